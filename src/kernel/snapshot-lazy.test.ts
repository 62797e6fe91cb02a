import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeBigints, encodeInt64s } from "./snapshot-codec.js";
import { LazyArray, lazyBigints, lazyNumbers, lazyPrefix, materialize } from "./snapshot-lazy.js";
import { encodeNumbers } from "./snapshot-numbers.js";

describe("int64 encoding", () => {
  it("writes every 64-bit integer as String(bigint) does, on either side of ±2^53", () => {
    const edges = [
      0n,
      1n,
      -1n,
      2n ** 53n,
      2n ** 53n - 1n,
      -(2n ** 53n),
      2n ** 53n + 1n,
      2n ** 63n - 1n,
      -(2n ** 63n),
    ];
    const values = BigInt64Array.from([...edges, ...edges.map((x) => BigInt.asIntN(64, x + 2n ** 32n))]);
    expect(encodeInt64s(values, 0, values.length)).toEqual([...values].map(String));
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })), (xs) => {
        const a = BigInt64Array.from(xs);
        expect(encodeBigints(a)).toEqual(xs.map(String));
      }),
    );
  });
});

describe("lazy snapshots", () => {
  it("encode, by range and whole, as the eager encoders do", () => {
    const floats = Float64Array.from([1.5, Number.NaN, -0, Number.POSITIVE_INFINITY, 0, -2]);
    const lazy = lazyNumbers(floats);
    expect(lazy.toJSON()).toEqual(encodeNumbers(floats));
    expect(lazy.slice(1, 3)).toEqual(encodeNumbers(floats.subarray(1, 3)));
    expect(lazyBigints([5n, -7n]).toJSON()).toEqual(["5", "-7"]);
    expect(lazyBigints(BigInt64Array.from([5n, -7n])).slice(1, 2)).toEqual(["-7"]);
  });

  it("read a prefix of an append-only array as it stood", () => {
    const ids = ["sys", "a", "b"];
    const prefix = lazyPrefix(ids, 1, 3);
    ids.push("c");
    expect(prefix.toJSON()).toEqual(["a", "b"]);
    expect(prefix.slice(1, 2)).toEqual(["b"]);
  });

  it("materialize to plain JSON values, key order kept, the capture untouched", () => {
    const capture = {
      z: 1,
      a: [new LazyArray(2, (f, t) => ["x", "y"].slice(f, t)), [1, 2]],
      m: { n: new LazyArray(1, () => [3]), s: "s" },
    };
    const plain = materialize<unknown>(capture as never);
    expect(JSON.stringify(plain)).toBe('{"z":1,"a":[["x","y"],[1,2]],"m":{"n":[3],"s":"s"}}');
    expect(JSON.stringify(plain)).toBe(JSON.stringify(capture));
    expect(capture.a[0]).toBeInstanceOf(LazyArray);
  });
});
