// --post-js: every JSON export of wasm/json_export.hpp becomes Module.<name>,
// called as Embind's would be: Module.evaluateStreak(text) → text. The C side
// is carecircle_json_<name>(request, size) (carecircle_value_<name>() for an
// export that takes no request), replying [uint32 byte count][UTF-8 bytes] in
// a buffer freed here. The request is encoded as Embind encodes a
// std::string (UTF-8, the same bytes for any JS string, lone surrogates
// included); the reply is decoded as Embind decodes one.
(function defineJsonExports() {
  var JSON_PREFIX = '_carecircle_json_';
  var VALUE_PREFIX = '_carecircle_value_';
  var encoder = typeof TextEncoder === 'function' ? new TextEncoder() : null;

  function readReply(ptr) {
    var size = (HEAPU8[ptr] | (HEAPU8[ptr + 1] << 8) | (HEAPU8[ptr + 2] << 16) | (HEAPU8[ptr + 3] << 24)) >>> 0;
    var text = size === 0 ? '' : UTF8ToString(ptr + 4, size);
    Module['_carecircle_json_free'](ptr);
    return text;
  }

  // The request's bytes in the module's memory: [ptr, size].
  function writeRequest(name, value) {
    if (value instanceof ArrayBuffer) value = new Uint8Array(value);
    var bytes = null;
    var size;
    if (typeof value === 'string') {
      // Large well-formed text: the browser's encoder (same bytes, far faster
      // than a loop per character); otherwise Emscripten's, as Embind does.
      if (encoder && value.length > 4096 && typeof value.isWellFormed === 'function' && value.isWellFormed()) {
        bytes = encoder.encode(value);
        size = bytes.length;
      } else {
        size = lengthBytesUTF8(value);
      }
    } else if (value instanceof Uint8Array || value instanceof Uint8ClampedArray || value instanceof Int8Array) {
      bytes = value;
      size = value.length;
    } else {
      throw new TypeError(name + ': Cannot pass non-string to std::string');
    }
    var ptr = Module['_carecircle_json_alloc'](size + 1);
    if (!ptr) throw new RangeError(name + ': the core has no memory left for the request');
    if (bytes) HEAPU8.set(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), ptr);
    else stringToUTF8(value, ptr, size + 1);
    return [ptr, size];
  }

  function jsonExport(name, fn) {
    var call = function (request) {
      if (arguments.length !== 1) {
        throw new TypeError('function ' + name + ' called with ' + arguments.length + ' arguments, expected 1');
      }
      var request_ = writeRequest(name, request);
      try {
        return readReply(fn(request_[0], request_[1]));
      } finally {
        Module['_carecircle_json_free'](request_[0]);
      }
    };
    Object.defineProperty(call, 'name', { value: name });
    Object.defineProperty(call, 'coreExport', { value: true });
    return call;
  }

  function valueExport(name, fn) {
    var call = function () {
      if (arguments.length !== 0) {
        throw new TypeError('function ' + name + ' called with ' + arguments.length + ' arguments, expected 0');
      }
      return readReply(fn());
    };
    Object.defineProperty(call, 'name', { value: name });
    Object.defineProperty(call, 'coreExport', { value: true });
    return call;
  }

  Object.keys(Module).forEach(function (key) {
    if (key.indexOf(JSON_PREFIX) === 0 && key !== '_carecircle_json_alloc' && key !== '_carecircle_json_free') {
      Module[key.slice(JSON_PREFIX.length)] = jsonExport(key.slice(JSON_PREFIX.length), Module[key]);
    } else if (key.indexOf(VALUE_PREFIX) === 0) {
      Module[key.slice(VALUE_PREFIX.length)] = valueExport(key.slice(VALUE_PREFIX.length), Module[key]);
    }
  });
})();
