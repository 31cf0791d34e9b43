import { QmcRuntimeError } from "../core/errors.js";
import type { Image } from "../core/image.js";

/**
 * A grayscale baseline JPEG compression round trip exactly as libjpeg(-turbo) does it with its
 * defaults (PIL's `Image.save(format="JPEG", quality=q)` then `Image.open`, which made the sample
 * models' training and evaluation inputs, exporter/imgutil.py jpeg_u8): the IJG quality-scaled
 * luminance table, the integer "islow" forward and inverse DCTs, and edge replication into partial
 * blocks. Huffman coding is lossless, so quantizing and dequantizing the coefficients gives the
 * decoded pixels without writing a file.
 */
export function jpegRoundTrip(image: Image<Uint8Array>, quality: number): Image<Uint8Array> {
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new QmcRuntimeError(`JPEG quality ${quality} is not an integer from 1 to 100`);
  }
  if (image.channels !== 1) {
    throw new QmcRuntimeError(
      `JPEG degradation takes gray images (libjpeg's color path, chroma subsampling included, is not reproduced); this one has ${image.channels} channels`,
    );
  }
  const { width, height, data } = image;
  const table = luminanceTable(quality);
  const out = new Uint8Array(width * height);
  const block = new Int32Array(64);
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      // Pixels past the right or bottom edge repeat the last column and row (jcprepct.c, jcsample.c).
      for (let y = 0; y < 8; y++) {
        const row = Math.min(by + y, height - 1) * width;
        for (let x = 0; x < 8; x++) block[y * 8 + x] = data[row + Math.min(bx + x, width - 1)] - 128;
      }
      forwardDct(block);
      for (let i = 0; i < 64; i++) block[i] = quantize(block[i], table[i] * 8) * table[i];
      inverseDct(block);
      for (let y = 0; y < 8 && by + y < height; y++) {
        for (let x = 0; x < 8 && bx + x < width; x++) out[(by + y) * width + bx + x] = block[y * 8 + x];
      }
    }
  }
  return { data: out, width, height, channels: 1 };
}

/** The JPEG standard's luminance table (Annex K), row-major. */
const STD_LUMINANCE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];

/** jcparam.c: jpeg_quality_scaling, then each entry scaled and held to 1..255 (force_baseline). */
function luminanceTable(quality: number): number[] {
  const scale = quality < 50 ? Math.floor(5000 / quality) : 200 - quality * 2;
  return STD_LUMINANCE.map((q) => Math.min(255, Math.max(1, Math.floor((q * scale + 50) / 100))));
}

/** jcdctmgr.c: the coefficient (scaled by 8 by the islow DCT) divided by 8q, rounded half away from zero. */
function quantize(coefficient: number, divisor: number): number {
  const q = Math.floor((Math.abs(coefficient) + (divisor >> 1)) / divisor);
  return coefficient < 0 ? -q : q;
}

const CONST_BITS = 13;
const PASS1_BITS = 2;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

const descale = (x: number, n: number) => (x + (1 << (n - 1))) >> n;

/** jfdctint.c (jpeg_fdct_islow) in place on 8 values `stride` apart from `at`; `last` is pass 2. */
function fdct1d(d: Int32Array, at: number, stride: number, last: boolean): void {
  const v = (k: number) => d[at + k * stride];
  const tmp0 = v(0) + v(7);
  let tmp7 = v(0) - v(7);
  const tmp1 = v(1) + v(6);
  let tmp6 = v(1) - v(6);
  const tmp2 = v(2) + v(5);
  let tmp5 = v(2) - v(5);
  const tmp3 = v(3) + v(4);
  let tmp4 = v(3) - v(4);
  const tmp10 = tmp0 + tmp3;
  const tmp13 = tmp0 - tmp3;
  const tmp11 = tmp1 + tmp2;
  const tmp12 = tmp1 - tmp2;
  const shift = last ? CONST_BITS + PASS1_BITS : CONST_BITS - PASS1_BITS;
  const set = (k: number, value: number) => {
    d[at + k * stride] = value;
  };
  set(0, last ? descale(tmp10 + tmp11, PASS1_BITS) : (tmp10 + tmp11) << PASS1_BITS);
  set(4, last ? descale(tmp10 - tmp11, PASS1_BITS) : (tmp10 - tmp11) << PASS1_BITS);
  const z1 = (tmp12 + tmp13) * FIX_0_541196100;
  set(2, descale(z1 + tmp13 * FIX_0_765366865, shift));
  set(6, descale(z1 + tmp12 * -FIX_1_847759065, shift));
  let o1 = tmp4 + tmp7;
  let o2 = tmp5 + tmp6;
  let o3 = tmp4 + tmp6;
  let o4 = tmp5 + tmp7;
  const z5 = (o3 + o4) * FIX_1_175875602;
  tmp4 *= FIX_0_298631336;
  tmp5 *= FIX_2_053119869;
  tmp6 *= FIX_3_072711026;
  tmp7 *= FIX_1_501321110;
  o1 *= -FIX_0_899976223;
  o2 *= -FIX_2_562915447;
  o3 = o3 * -FIX_1_961570560 + z5;
  o4 = o4 * -FIX_0_390180644 + z5;
  set(7, descale(tmp4 + o1 + o3, shift));
  set(5, descale(tmp5 + o2 + o4, shift));
  set(3, descale(tmp6 + o2 + o3, shift));
  set(1, descale(tmp7 + o1 + o4, shift));
}

function forwardDct(block: Int32Array): void {
  for (let r = 0; r < 8; r++) fdct1d(block, r * 8, 1, false);
  for (let c = 0; c < 8; c++) fdct1d(block, c, 8, true);
}

/**
 * jidctint.c (jpeg_idct_islow) on 8 dequantized values `stride` apart: columns first (descaled by
 * CONST_BITS - PASS1_BITS), then rows (by CONST_BITS + PASS1_BITS + 3, then range-limited to 0..255
 * around 128 with libjpeg's 10-bit wrap). Its all-zero-AC shortcuts give the same values.
 */
function idct1d(d: Int32Array, at: number, stride: number, last: boolean): void {
  const v = (k: number) => d[at + k * stride];
  let z2 = v(2);
  let z3 = v(6);
  let z1 = (z2 + z3) * FIX_0_541196100;
  const even2 = z1 + z3 * -FIX_1_847759065;
  const even3 = z1 + z2 * FIX_0_765366865;
  z2 = v(0);
  z3 = v(4);
  const even0 = (z2 + z3) * (1 << CONST_BITS);
  const even1 = (z2 - z3) * (1 << CONST_BITS);
  const tmp10 = even0 + even3;
  const tmp13 = even0 - even3;
  const tmp11 = even1 + even2;
  const tmp12 = even1 - even2;
  let tmp0 = v(7);
  let tmp1 = v(5);
  let tmp2 = v(3);
  let tmp3 = v(1);
  z1 = tmp0 + tmp3;
  z2 = tmp1 + tmp2;
  z3 = tmp0 + tmp2;
  let z4 = tmp1 + tmp3;
  const z5 = (z3 + z4) * FIX_1_175875602;
  tmp0 *= FIX_0_298631336;
  tmp1 *= FIX_2_053119869;
  tmp2 *= FIX_3_072711026;
  tmp3 *= FIX_1_501321110;
  z1 *= -FIX_0_899976223;
  z2 *= -FIX_2_562915447;
  z3 = z3 * -FIX_1_961570560 + z5;
  z4 = z4 * -FIX_0_390180644 + z5;
  tmp0 += z1 + z3;
  tmp1 += z2 + z4;
  tmp2 += z2 + z3;
  tmp3 += z1 + z4;
  const shift = last ? CONST_BITS + PASS1_BITS + 3 : CONST_BITS - PASS1_BITS;
  const set = (k: number, value: number) => {
    const x = descale(value, shift);
    d[at + k * stride] = last ? rangeLimit(x) : x;
  };
  set(0, tmp10 + tmp3);
  set(7, tmp10 - tmp3);
  set(1, tmp11 + tmp2);
  set(6, tmp11 - tmp2);
  set(2, tmp12 + tmp1);
  set(5, tmp12 - tmp1);
  set(3, tmp13 + tmp0);
  set(4, tmp13 - tmp0);
}

/** jdmaster.c's sample_range_limit read through RANGE_MASK (1023): clamp near range, wrap far out. */
function rangeLimit(x: number): number {
  const wrapped = ((x + 512) & 1023) - 512;
  return Math.min(255, Math.max(0, wrapped + 128));
}

function inverseDct(block: Int32Array): void {
  for (let c = 0; c < 8; c++) idct1d(block, c, 8, false);
  for (let r = 0; r < 8; r++) idct1d(block, r * 8, 1, true);
}
