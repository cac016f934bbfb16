// A blurhash decoder (the algorithm of blurha.sh, written for this page):
// a hash becomes a few cosine components, drawn small on a canvas that CSS
// stretches under the thumbnail while it loads.

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

function decode83(text) {
  let value = 0;
  for (const character of text) {
    const digit = DIGITS.indexOf(character);
    if (digit < 0) throw new Error("not a blurhash");
    value = value * 83 + digit;
  }
  return value;
}

function srgbToLinear(value) {
  const v = value / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

function linearToSrgb(value) {
  const v = Math.max(0, Math.min(1, value));
  return Math.round((v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055) * 255);
}

const signedPow = (value, exponent) => Math.sign(value) * Math.abs(value) ** exponent;

/** RGBA pixels (width × height) of a blurhash; throws on a malformed one. */
export function decodeBlurhash(hash, width, height, punch = 1) {
  if (!hash || hash.length < 6) throw new Error("not a blurhash");
  const sizeFlag = decode83(hash[0]);
  const componentsY = Math.floor(sizeFlag / 9) + 1;
  const componentsX = (sizeFlag % 9) + 1;
  if (hash.length !== 4 + 2 * componentsX * componentsY) throw new Error("not a blurhash");
  const maximum = ((decode83(hash[1]) + 1) / 166) * punch;
  const colours = [];
  const dc = decode83(hash.slice(2, 6));
  colours.push([srgbToLinear(dc >> 16), srgbToLinear((dc >> 8) & 255), srgbToLinear(dc & 255)]);
  for (let i = 1; i < componentsX * componentsY; i++) {
    const ac = decode83(hash.slice(4 + i * 2, 6 + i * 2));
    const quant = [Math.floor(ac / 361), Math.floor(ac / 19) % 19, ac % 19];
    colours.push(quant.map((q) => signedPow((q - 9) / 9, 2) * maximum));
  }
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < componentsY; j++) {
        const basisY = Math.cos((Math.PI * y * j) / height);
        for (let i = 0; i < componentsX; i++) {
          const basis = Math.cos((Math.PI * x * i) / width) * basisY;
          const colour = colours[i + j * componentsX];
          r += colour[0] * basis;
          g += colour[1] * basis;
          b += colour[2] * basis;
        }
      }
      const offset = 4 * (x + y * width);
      pixels[offset] = linearToSrgb(r);
      pixels[offset + 1] = linearToSrgb(g);
      pixels[offset + 2] = linearToSrgb(b);
      pixels[offset + 3] = 255;
    }
  }
  return pixels;
}

/** A small canvas painted with the blurhash, or null when there is none. */
export function blurhashCanvas(hash, aspect = 1) {
  if (!hash) return null;
  const width = 32;
  const height = Math.max(4, Math.min(64, Math.round(32 / aspect)));
  try {
    const pixels = decodeBlurhash(hash, width, height);
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.setAttribute("aria-hidden", "true");
    canvas.getContext("2d").putImageData(new ImageData(pixels, width, height), 0, 0);
    return canvas;
  } catch {
    return null; // a placeholder is a nicety: no hash, no placeholder
  }
}
