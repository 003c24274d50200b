/*
 * PDQ perceptual hash in the browser, so that a photo can be hashed without leaving the device.
 *
 * Written for Hotline from the published PDQ algorithm (Meta's "pdqhash-2017-10-09" description):
 *   1. luminance Y = 0.299 R + 0.587 G + 0.114 B;
 *   2. two passes of Jarosz box filters along rows then columns (a tent filter), window
 *      ceil(size / 128) per pass, so that each of the 64x64 output samples averages its block;
 *   3. decimate to 64x64 at block centres;
 *   4. quality: the sum of quantised neighbour differences / 90, capped at 100;
 *   5. the 16x16 lowest non-DC frequencies of a 2-D DCT (B = D A D^T);
 *   6. bit k (k = 16 i + j) is 1 when B[i][j] is above the median of the 256 values.
 * Hex output follows the reference: 64 digits, bit 255 first. Checked against the `pdqhash` Python
 * package on the same pixels (tests/media/test_pdq_js.py).
 *
 * Browser: HotlinePdq.fromFile(file) -> Promise<{hash, quality}>; Node: require("./pdq.js").
 */
(function (root) {
  "use strict";

  var SIZE = 64;
  var MIN_QUALITY = 50;
  var DCT = (function () {
    var m = new Float64Array(16 * SIZE);
    var scale = Math.sqrt(2 / SIZE);
    for (var i = 0; i < 16; i++) {
      for (var j = 0; j < SIZE; j++) {
        m[i * SIZE + j] = scale * Math.cos((Math.PI / 2 / SIZE) * (i + 1) * (2 * j + 1));
      }
    }
    return m;
  })();

  function windowSize(oldSize) {
    return Math.floor((oldSize + 2 * SIZE - 1) / (2 * SIZE));
  }

  // One box pass over `count` vectors of `length` values spaced by `stride`; vectors start `step` apart.
  // Output[p] is the mean of input[p - (w - h) .. p + h - 1] clipped to the vector, h = floor((w + 2) / 2).
  function boxPass(src, dst, count, step, length, stride, w) {
    var half = Math.floor((w + 2) / 2);
    var back = w - half;
    var ahead = half - 1;
    var prefix = new Float64Array(length + 1);
    for (var v = 0; v < count; v++) {
      var base = v * step;
      prefix[0] = 0;
      for (var k = 0; k < length; k++) prefix[k + 1] = prefix[k] + src[base + k * stride];
      for (var p = 0; p < length; p++) {
        var lo = p - back < 0 ? 0 : p - back;
        var hi = p + ahead >= length ? length - 1 : p + ahead;
        dst[base + p * stride] = (prefix[hi + 1] - prefix[lo]) / (hi - lo + 1);
      }
    }
  }

  function lumaFromRGBA(rgba, width, height) {
    var n = width * height;
    var luma = new Float32Array(n);
    for (var i = 0, o = 0; i < n; i++, o += 4) {
      luma[i] = 0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2];
    }
    return luma;
  }

  function downsample64(luma, width, height) {
    var tmp = new Float32Array(width * height);
    var wRows = windowSize(width);
    var wCols = windowSize(height);
    for (var rep = 0; rep < 2; rep++) {
      boxPass(luma, tmp, height, width, width, 1, wRows); // along each row
      boxPass(tmp, luma, width, 1, height, width, wCols); // along each column
    }
    var out = new Float64Array(SIZE * SIZE);
    for (var i = 0; i < SIZE; i++) {
      var ini = Math.floor(((i + 0.5) * height) / SIZE);
      for (var j = 0; j < SIZE; j++) {
        var inj = Math.floor(((j + 0.5) * width) / SIZE);
        out[i * SIZE + j] = luma[ini * width + inj];
      }
    }
    return out;
  }

  function quality(a) {
    var sum = 0;
    for (var i = 0; i < SIZE - 1; i++) {
      for (var j = 0; j < SIZE; j++) sum += Math.abs(Math.trunc(((a[i * SIZE + j] - a[(i + 1) * SIZE + j]) * 100) / 255));
    }
    for (i = 0; i < SIZE; i++) {
      for (j = 0; j < SIZE - 1; j++) sum += Math.abs(Math.trunc(((a[i * SIZE + j] - a[i * SIZE + j + 1]) * 100) / 255));
    }
    return Math.min(100, Math.floor(sum / 90));
  }

  function dct16(a) {
    var t = new Float64Array(16 * SIZE); // t = D a
    for (var i = 0; i < 16; i++) {
      for (var j = 0; j < SIZE; j++) {
        var s = 0;
        for (var k = 0; k < SIZE; k++) s += DCT[i * SIZE + k] * a[k * SIZE + j];
        t[i * SIZE + j] = s;
      }
    }
    var b = new Float64Array(256); // b = t D^T
    for (i = 0; i < 16; i++) {
      for (j = 0; j < 16; j++) {
        s = 0;
        for (k = 0; k < SIZE; k++) s += t[i * SIZE + k] * DCT[j * SIZE + k];
        b[i * 16 + j] = s;
      }
    }
    return b;
  }

  function bitsToHex(b) {
    var sorted = Array.prototype.slice.call(b).sort(function (x, y) { return x - y; });
    var median = sorted[127]; // the 128th smallest, as the reference's Torben median gives
    var hex = "";
    for (var k = 255; k >= 0; k -= 4) {
      var nibble = 0;
      for (var q = 0; q < 4; q++) nibble = (nibble << 1) | (b[k - q] > median ? 1 : 0);
      hex += nibble.toString(16);
    }
    return hex;
  }

  /** PDQ of RGBA pixels (a canvas ImageData's data, or any array of 4 values per pixel). */
  function fromRGBA(rgba, width, height) {
    if (width < 5 || height < 5) return { hash: null, quality: 0 };
    var a = downsample64(lumaFromRGBA(rgba, width, height), width, height);
    var q = quality(a);
    // Below MIN_QUALITY the picture is too flat to match reliably: no hash, as on the server.
    return { hash: q >= MIN_QUALITY ? bitsToHex(dct16(a)) : null, quality: q };
  }

  /** Draw an image file on a canvas (upright, transparent areas white) and hash it. The file is read
   *  into memory only; nothing is sent anywhere. */
  function fromFile(file) {
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      // Like the server (JPEG decoded at 1/2, 1/4 or 1/8 scale), never below 512 pixels a side.
      var factor = 1;
      while (factor < 8 && bitmap.width / (factor * 2) >= 512 && bitmap.height / (factor * 2) >= 512) factor *= 2;
      var w = Math.round(bitmap.width / factor);
      var h = Math.round(bitmap.height / factor);
      var canvas = document.createElement("canvas");
      canvas.width = w;
      canvas.height = h;
      var ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, w, h);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(bitmap, 0, 0, w, h);
      if (bitmap.close) bitmap.close();
      var result = fromRGBA(ctx.getImageData(0, 0, w, h).data, w, h);
      canvas.width = canvas.height = 0; // release the pixels at once
      return result;
    });
  }

  var api = { fromRGBA: fromRGBA, fromFile: fromFile, MIN_QUALITY: MIN_QUALITY };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api;
  } else {
    root.HotlinePdq = api;
  }
})(typeof self !== "undefined" ? self : this);
