/* SHA-256 and the quiz answer canonical forms, matching grader/digest.py.
 * Self-contained so quizzes work from file:// pages where crypto.subtle may be missing. */
(function () {
  "use strict";
  var site = (window.NeuronSite = window.NeuronSite || {});

  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2
  ];

  /* Encode a string as UTF-8 bytes (lone surrogates become U+FFFD, as in Python's "replace"). */
  function utf8(text) {
    var bytes = [];
    for (var i = 0; i < text.length; i++) {
      var code = text.charCodeAt(i);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
        var low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          i++;
        } else {
          code = 0xfffd;
        }
      } else if (code >= 0xd800 && code <= 0xdfff) {
        code = 0xfffd;
      }
      if (code < 0x80) {
        bytes.push(code);
      } else if (code < 0x800) {
        bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
      } else if (code < 0x10000) {
        bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
      } else {
        bytes.push(
          0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63),
          0x80 | (code & 63)
        );
      }
    }
    return bytes;
  }

  function rotr(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  /* Return the SHA-256 of the UTF-8 encoding of `text`, as 64 lower-case hex digits. */
  function sha256Hex(text) {
    var bytes = utf8(String(text));
    var length = bytes.length;
    var words = new Array((((length + 8) >> 6) + 1) * 16);
    for (var w = 0; w < words.length; w++) words[w] = 0;
    for (var i = 0; i < length; i++) words[i >> 2] |= bytes[i] << (24 - (i % 4) * 8);
    words[length >> 2] |= 0x80 << (24 - (length % 4) * 8);
    words[words.length - 2] = Math.floor(length / 0x20000000);
    words[words.length - 1] = (length * 8) >>> 0;

    var h = [
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
      0x5be0cd19
    ];
    var schedule = new Array(64);
    for (var block = 0; block < words.length; block += 16) {
      for (var t = 0; t < 64; t++) {
        if (t < 16) {
          schedule[t] = words[block + t] | 0;
        } else {
          var a15 = schedule[t - 15];
          var a2 = schedule[t - 2];
          var s0 = rotr(a15, 7) ^ rotr(a15, 18) ^ (a15 >>> 3);
          var s1 = rotr(a2, 17) ^ rotr(a2, 19) ^ (a2 >>> 10);
          schedule[t] = (schedule[t - 16] + s0 + schedule[t - 7] + s1) | 0;
        }
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (var r = 0; r < 64; r++) {
        var sum1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        var choose = (e & f) ^ (~e & g);
        var temp1 = (k + sum1 + choose + K[r] + schedule[r]) | 0;
        var sum0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        var majority = (a & b) ^ (a & c) ^ (b & c);
        var temp2 = (sum0 + majority) | 0;
        k = g;
        g = f;
        f = e;
        e = (d + temp1) | 0;
        d = c;
        c = b;
        b = a;
        a = (temp1 + temp2) | 0;
      }
      h[0] = (h[0] + a) | 0;
      h[1] = (h[1] + b) | 0;
      h[2] = (h[2] + c) | 0;
      h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0;
      h[5] = (h[5] + f) | 0;
      h[6] = (h[6] + g) | 0;
      h[7] = (h[7] + k) | 0;
    }
    var hex = "";
    for (var j = 0; j < 8; j++) hex += ("00000000" + (h[j] >>> 0).toString(16)).slice(-8);
    return hex;
  }

  var POWERS = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];

  /* Canonical text of a numeric answer kept to `decimals` places: "<floor(x*10**d+0.5)>e-<d>". */
  function canonicalNumber(value, decimals) {
    if (typeof value !== "number" || !isFinite(value)) return null;
    if (!(decimals >= 0 && decimals <= 12 && Math.floor(decimals) === decimals)) return null;
    var scaled = Math.floor(value * POWERS[decimals] + 0.5);
    var digits =
      Math.abs(scaled) < 1e21 ? scaled.toFixed(0) : BigInt(scaled).toString();
    return digits + "e-" + decimals;
  }

  /* Canonical text of a multiple-choice answer: its key, trimmed and lower case. */
  function canonicalChoice(key) {
    return String(key).trim().toLowerCase();
  }

  /* Read a number the way a learner types it: "0.25", "-1.5", ".5", "2,5", "1e-3", "−1". */
  function parseNumber(text) {
    var cleaned = String(text).trim().replace(/\u2212/g, "-").replace(/\s+/g, "");
    if (cleaned.indexOf(",") >= 0 && cleaned.indexOf(".") < 0) cleaned = cleaned.replace(",", ".");
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cleaned)) return null;
    var value = Number(cleaned);
    return isFinite(value) ? value : null;
  }

  /* The digest the course stores for an answer: SHA-256 of "<salt>:<quiz id>:<canonical>". */
  function answerDigest(salt, quizId, canonical) {
    return sha256Hex(salt + ":" + quizId + ":" + canonical);
  }

  site.sha256Hex = sha256Hex;
  site.canonicalNumber = canonicalNumber;
  site.canonicalChoice = canonicalChoice;
  site.parseNumber = parseNumber;
  site.answerDigest = answerDigest;
})();
