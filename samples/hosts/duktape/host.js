/*
 * A minimal Duktape host for a qmc ES5 artifact, run by restore.sh after the artifact (which
 * defines the global `qmc`) and the input (QMC_INPUT: width, height, channels and the raw
 * interleaved 8-bit pixels as base64). Prints the restored pixels as one line of base64.
 * Debian's `duk` has no file I/O, so bytes travel as base64 text; a firmware host would hand
 * the same restore() call a buffer instead.
 */
(function () {
  "use strict";
  var input = QMC_INPUT;
  var pixels = Duktape.dec("base64", input.base64);
  if (pixels.length !== input.width * input.height * input.channels) {
    throw new Error(
      "qmc host: " + pixels.length + " bytes of pixels, expected " + input.width + "x" + input.height + "x" + input.channels
    );
  }
  var out = qmc.restore(pixels, input.width, input.height, input.channels);
  print(Duktape.enc("base64", out.data));
})();
