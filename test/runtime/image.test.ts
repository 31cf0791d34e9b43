import { describe, expect, it } from "vitest";
import { checkImage, fromPlanes, toByte, toPlanes } from "../../runtime/core/image.js";

describe("image <-> float32 planes", () => {
  it("uint8 RGBA -> RGB planes: values / 255 in float32, alpha dropped", () => {
    const image = { data: new Uint8Array([0, 51, 255, 9, 128, 1, 2, 200]), width: 2, height: 1, channels: 4 };
    const planes = toPlanes(image, 3);
    expect(Array.from(planes)).toEqual([0, 128 / 255, 51 / 255, 1 / 255, 1, 2 / 255].map(Math.fround));
  });
  it("float32 images pass through unscaled", () => {
    const data = Float32Array.from([0.25, 0.5, 0.75]);
    expect(toPlanes({ data, width: 3, height: 1, channels: 1 }, 1)).toEqual(data);
  });
  it("refuses a reading the image does not have", () => {
    expect(() => toPlanes({ data: new Uint8Array(4), width: 2, height: 2, channels: 1 }, 3)).toThrow(
      /a 1-channel image cannot be read as 3 color plane/,
    );
  });
  it("planes -> the input's layout: RGBA output gets opaque alpha, clamped arrays stay clamped", () => {
    const like = { data: new Uint8ClampedArray(4), width: 1, height: 1, channels: 4 };
    const out = fromPlanes(Float32Array.from([1, 0.5, 0]), 1, 1, like);
    expect(out.data).toBeInstanceOf(Uint8ClampedArray);
    expect(Array.from(out.data)).toEqual([255, 128, 0, 255]);
    const floats = fromPlanes(Float32Array.from([1.25, -0.5, 0.5]), 1, 1, { ...like, data: new Float32Array(4) });
    expect(Array.from(floats.data)).toEqual([1.25, -0.5, 0.5, 1]);
  });
  it("round trip uint8 -> planes -> uint8 is the identity for every value", () => {
    const data = Uint8Array.from({ length: 256 }, (_, i) => i);
    const image = { data, width: 16, height: 16, channels: 1 };
    expect(fromPlanes(toPlanes(image, 1), 16, 16, image).data).toEqual(data);
  });
  it("checks sizes and channel counts with a sentence", () => {
    expect(() => checkImage({ data: new Uint8Array(5), width: 2, height: 1, channels: 3 })).toThrow(
      /5 values for 2x1x3 \(expected 6\)/,
    );
    expect(() => checkImage({ data: new Uint8Array(4), width: 2, height: 1, channels: 2 })).toThrow(
      /2 channels; images have 1 \(gray\), 3 \(RGB\) or 4 \(RGBA\)/,
    );
  });
});

describe("toByte: BasicSR's tensor2img (clamp, * 255 in float32, numpy round half to even)", () => {
  it("clamps and maps NaN to 0", () => {
    expect([-1, 0, 1, 2, Number.NaN].map(toByte)).toEqual([0, 0, 255, 255, 0]);
  });
  it("rounds halves to even", () => {
    // k.5 / 255 products that land exactly on k.5 in float32 after the multiply.
    const halves = [0.5, 1.5, 2.5, 3.5, 100.5, 253.5].map((x) => {
      const v = Math.fround(x / 255);
      expect(Math.fround(v * 255)).toBe(x);
      return toByte(v);
    });
    expect(halves).toEqual([0, 2, 2, 4, 100, 254]);
  });
  it("rounds non-halves to nearest", () => {
    expect(toByte(Math.fround(10.49 / 255))).toBe(10);
    expect(toByte(Math.fround(10.51 / 255))).toBe(11);
  });
});
