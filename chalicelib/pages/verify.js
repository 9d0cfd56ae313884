/* Yima's offline verifier in the browser: the same steps, in the same order, with the
 * same reason codes as chalicelib/codes/token.py (tests/vectors pins them down).
 *
 *   "YM1:" + base45( CBOR [ protected, {}, payload, signature ] )
 *   protected = bstr(CBOR {1: -8, 4: kid}); payload = bstr(CBOR [holder, colour, iat,
 *   lifetime, region]); signature = Ed25519 over CBOR ["Signature1", protected, h'', payload]
 *
 * The signature is checked with WebCrypto's Ed25519; the key list is a saved
 * GET /v1/trust-list (its `signed` copy checked first) or GET /v1/keys.
 */
(function (global) {
  "use strict";

  var PREFIX = "YM1:";
  var B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  var COLOURS = ["green", "pending", "yellow", "red"];
  var CLOCK_SKEW_MS = 60 * 1000;
  var PUBLISHED_KEYS_TYPE = "yima.published-keys.v1";

  function TokenError(reason, message) {
    this.reason = reason;
    this.message = message;
  }

  function b45decode(text) {
    var values = [];
    for (var i = 0; i < text.length; i++) {
      var v = B45.indexOf(text[i]);
      if (v < 0) throw new Error("not base45");
      values.push(v);
    }
    var out = [];
    for (var j = 0; j < values.length; j += 3) {
      var chunk = values.slice(j, j + 3);
      if (chunk.length === 3) {
        var n = chunk[0] + chunk[1] * 45 + chunk[2] * 45 * 45;
        if (n > 0xffff) throw new Error("base45 triplet out of range");
        out.push(n >> 8, n & 0xff);
      } else if (chunk.length === 2) {
        var m = chunk[0] + chunk[1] * 45;
        if (m > 0xff) throw new Error("base45 pair out of range");
        out.push(m);
      } else {
        throw new Error("base45 length");
      }
    }
    return new Uint8Array(out);
  }

  // The CBOR subset of healthcode.py: ints, byte and text strings, arrays, maps.
  function cborDecode(data) {
    var result = decodeItem(data, 0, 0);
    if (result[1] !== data.length) throw new Error("trailing bytes");
    return result[0];
  }

  function decodeItem(data, i, depth) {
    if (depth > 8 || i >= data.length) throw new Error("truncated or too deep");
    var major = data[i] >> 5;
    var info = data[i] & 0x1f;
    i += 1;
    var n;
    if (info < 24) {
      n = info;
    } else if (info >= 24 && info <= 27) {
      var size = 1 << (info - 24);
      if (i + size > data.length) throw new Error("truncated");
      n = 0n;
      for (var k = 0; k < size; k++) n = (n << 8n) | BigInt(data[i + k]);
      i += size;
      n = n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    } else {
      throw new Error("unsupported CBOR item");
    }
    if (major === 0) return [n, i];
    if (major === 1) return [typeof n === "bigint" ? -1n - n : -1 - n, i];
    if (typeof n === "bigint") throw new Error("length too large");
    if (major === 2 || major === 3) {
      if (i + n > data.length) throw new Error("truncated");
      var raw = data.slice(i, i + n);
      if (major === 2) return [raw, i + n];
      return [new TextDecoder("utf-8", { fatal: true }).decode(raw), i + n];
    }
    if (major === 4) {
      if (n > 16) throw new Error("array too long");
      var items = [];
      for (var a = 0; a < n; a++) {
        var item = decodeItem(data, i, depth + 1);
        items.push(item[0]);
        i = item[1];
      }
      return [items, i];
    }
    if (major === 5) {
      if (n > 16) throw new Error("map too long");
      var map = new Map();
      for (var b = 0; b < n; b++) {
        var key = decodeItem(data, i, depth + 1);
        if (typeof key[0] !== "number" && typeof key[0] !== "string") {
          throw new Error("map key type");
        }
        var value = decodeItem(data, key[1], depth + 1);
        map.set(key[0], value[0]);
        i = value[1];
      }
      return [map, i];
    }
    throw new Error("unsupported CBOR major type");
  }

  function head(major, n) {
    if (n < 24) return [(major << 5) | n];
    if (n < 0x100) return [(major << 5) | 24, n];
    if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff];
    return [(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  }

  function signingInput(protectedBytes, payload) {
    var label = new TextEncoder().encode("Signature1");
    var parts = [[0x84], head(3, label.length), label, head(2, protectedBytes.length),
      protectedBytes, [0x40], head(2, payload.length), payload];
    var total = parts.reduce(function (s, p) { return s + p.length; }, 0);
    var out = new Uint8Array(total);
    var at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  function isBytes(v) { return v instanceof Uint8Array; }
  function isInt(v) { return typeof v === "number" && Number.isInteger(v); }

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function b64urlDecode(text) {
    var b64 = String(text).replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  /* Every structural step; throws TokenError(wrong_prefix | malformed). */
  function parse(token) {
    if (typeof token !== "string" || token.indexOf(PREFIX) !== 0) {
      throw new TokenError("wrong_prefix", "a Yima code starts with " + PREFIX);
    }
    try {
      var outer = cborDecode(b45decode(token.slice(PREFIX.length)));
      if (!Array.isArray(outer) || outer.length !== 4) throw new Error("not a 4-element array");
      var protectedBytes = outer[0], unprotected = outer[1], payload = outer[2];
      var signature = outer[3];
      if (!(isBytes(protectedBytes) && unprotected instanceof Map && isBytes(payload) &&
            isBytes(signature))) {
        throw new Error("element types");
      }
      var header = cborDecode(protectedBytes);
      if (!(header instanceof Map) || header.get(1) !== -8) throw new Error("unsupported algorithm");
      var kid = header.get(4);
      if (!isBytes(kid) || kid.length === 0) throw new Error("no key id");
      var body = cborDecode(payload);
      if (!Array.isArray(body) || (body.length !== 5 && body.length !== 6)) {
        throw new Error("claims shape");
      }
      // A sixth claim is the kind: only a printed code (纸质码) has one, kind 1, colour
      // always pending (1) and a lifetime up to 30 days (docs/token.md).
      var printed = body.length === 6;
      if (printed && body[5] !== 1) throw new Error("unknown code kind");
      var holder = body[0], colour = body[1], iat = body[2], lifetime = body[3];
      var region = body[4];
      var maxLifetime = printed ? 30 * 24 * 60 : 23;
      if (!(isBytes(holder) && holder.length === 8 && isInt(colour) && colour >= 0 &&
            colour <= 3 && isInt(iat) && iat >= 0 && isInt(lifetime) && lifetime >= 1 &&
            lifetime <= maxLifetime && (!printed || colour === 1) &&
            isInt(region) && region >= 100000 && region <= 999999 &&
            signature.length === 64)) {
        throw new Error("claim values");
      }
    } catch (exc) {
      if (exc instanceof TokenError) throw exc;
      throw new TokenError("malformed", "the code cannot be read: " + exc.message);
    }
    return {
      kid: hex(kid),
      protectedBytes: protectedBytes,
      payload: payload,
      signature: signature,
      claims: {
        holder: hex(holder),
        colour: COLOURS[colour],
        issued_at: new Date(iat * 1000),
        expires_at: new Date((iat + lifetime * 60) * 1000),
        lifetime_minutes: lifetime,
        region: String(region),
        kind: printed ? "printed" : "live",
      },
    };
  }

  function time(text) {
    return text ? new Date(String(text)) : null;
  }

  /* The keys of a /v1/keys or /v1/trust-list document (or of a signed payload). */
  function loadKeys(document) {
    return (document.keys || []).map(function (entry) {
      return {
        kid: String(entry.kid).toLowerCase(),
        publicKey: b64urlDecode(entry.public_key),
        region: String(entry.region),
        notBefore: time(entry.not_before),
        notAfter: time(entry.not_after),
        status: String(entry.status || "active"),
      };
    });
  }

  async function ed25519Verify(rawKey, message, signature) {
    try {
      var key = await crypto.subtle.importKey("raw", rawKey, { name: "Ed25519" }, false,
        ["verify"]);
      return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
    } catch (exc) {
      return false; // a key WebCrypto cannot import verifies nothing
    }
  }

  function checkKey(key, signedAt) {
    if (key.status !== "active") {
      throw new TokenError("revoked_key", "the key " + key.kid + " of " + key.region +
        " is revoked");
    }
    if (key.notBefore && signedAt < key.notBefore) {
      throw new TokenError("key_not_yet_valid", "the key " + key.kid +
        " was not yet valid at signing");
    }
    if (key.notAfter && signedAt > key.notAfter) {
      throw new TokenError("key_expired", "the key " + key.kid + " had expired at signing");
    }
  }

  /* Parse, find the key, check the signature, then the key's state, then the time.
   * Resolves to {valid: true, claims, kid} or {valid: false, reason, message}. */
  async function verifyToken(token, keys, now) {
    try {
      var parsed = parse(token);
      var candidates = keys.filter(function (k) { return k.kid === parsed.kid; });
      if (!candidates.length) {
        throw new TokenError("unknown_key", "the code was signed by a key we do not know");
      }
      var message = signingInput(parsed.protectedBytes, parsed.payload);
      var key = null;
      for (var i = 0; i < candidates.length && !key; i++) {
        if (await ed25519Verify(candidates[i].publicKey, message, parsed.signature)) {
          key = candidates[i];
        }
      }
      if (!key) throw new TokenError("bad_signature", "the code's signature does not verify");
      var claims = parsed.claims;
      if (key.region !== claims.region) {
        throw new TokenError("bad_signature", "the code names another region than its key");
      }
      checkKey(key, claims.issued_at);
      if (claims.issued_at.getTime() > now.getTime() + CLOCK_SKEW_MS) {
        throw new TokenError("not_yet_valid", "the code is issued in the future");
      }
      if (now.getTime() >= claims.expires_at.getTime()) {
        throw new TokenError("expired", "the code has expired: refresh it");
      }
      return { valid: true, claims: claims, kid: key.kid };
    } catch (exc) {
      if (exc instanceof TokenError) return { valid: false, reason: exc.reason, message: exc.message };
      throw exc;
    }
  }

  /* Python's json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False). */
  function canonicalJson(value) {
    if (value === null || typeof value === "boolean" || typeof value === "string") {
      return JSON.stringify(value);
    }
    if (typeof value === "number") {
      if (!Number.isInteger(value)) throw new Error("a float cannot be signed");
      return String(value);
    }
    if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
    return "{" + Object.keys(value).sort().map(function (k) {
      return JSON.stringify(k) + ":" + canonicalJson(value[k]);
    }).join(",") + "}";
  }

  /* The keys to trust from a saved GET /v1/trust-list: its `signed` copy must verify
   * with one of our own region's keys listed in it (as chalicelib/verify.py checks);
   * a plain GET /v1/keys document is taken as it is. Resolves to {keys} or {problem}. */
  async function trustedKeys(document) {
    if (!document || typeof document !== "object") return { problem: "no key list" };
    var signed = document.signed;
    if (!signed) return { keys: loadKeys(document) };
    try {
      var payload = signed.payload, signature = signed.signature;
      if (!payload || payload.type !== PUBLISHED_KEYS_TYPE) throw new Error("not a key list");
      var region = String(document.region);
      var own = loadKeys(payload).filter(function (k) {
        return k.region === region && k.kid === String(signature.kid).toLowerCase();
      });
      var message = new TextEncoder().encode(canonicalJson(payload));
      var sig = b64urlDecode(signature.value);
      var ok = false;
      for (var i = 0; i < own.length && !ok; i++) {
        ok = await ed25519Verify(own[i].publicKey, message, sig);
      }
      if (!ok) throw new Error("the signature does not verify");
      return { keys: loadKeys(payload), publishedAt: payload.published_at };
    } catch (exc) {
      return { problem: "the saved key list does not verify: " + exc.message };
    }
  }

  global.YimaVerify = {
    parse: parse,
    loadKeys: loadKeys,
    verifyToken: verifyToken,
    trustedKeys: trustedKeys,
    canonicalJson: canonicalJson,
    b45decode: b45decode,
  };
})(typeof self !== "undefined" ? self : this);
