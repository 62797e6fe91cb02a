{
  "targets": [
    {
      "target_name": "plimsoll_native",
      "sources": ["native/crc32c.c"],
      "cflags": ["-O3"]
    }
  ]
}
