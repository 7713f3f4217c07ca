/* /scan: read a QR code with the camera, then let the server decide where it may lead.
 * BarcodeDetector where the browser has it, else the vendored jsQR (loaded on demand).
 * The decoded text goes into the upload form's hidden `text` field and the form is submitted,
 * so the same server-side check (only this portal's addresses) applies to every path.
 * Without JavaScript the section stays hidden and the photo upload works on its own. */
(function () {
  "use strict";
  var section = document.getElementById("camera");
  var form = document.getElementById("scan-form");
  if (!section || !form || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var startButton = document.getElementById("camera-start");
  var stopButton = document.getElementById("camera-stop");
  var video = document.getElementById("camera-video");
  var frame = section.querySelector(".qr-camera__frame");
  var statusLine = document.getElementById("camera-status");
  var textField = document.getElementById("scan-text");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var detector = null;
  var running = false;
  var done = false;

  function say(key) {
    statusLine.textContent = section.getAttribute("data-msg-" + key) || "";
  }

  function loadJsQR() {
    if (window.jsQR) {
      return Promise.resolve(window.jsQR);
    }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = section.getAttribute("data-jsqr-src");
      script.onload = function () { resolve(window.jsQR); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function makeDetector() {
    if (!("BarcodeDetector" in window)) {
      return loadJsQR().then(function () { return null; });
    }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") >= 0) {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return null;
      }
      return loadJsQR().then(function () { return null; });
    }, function () { return loadJsQR().then(function () { return null; }); });
  }

  function found(text) {
    if (done || !text) {
      return;
    }
    done = true;
    say("found");
    stop();
    textField.value = text;
    form.submit();
  }

  function decodeWithJsQR() {
    var width = video.videoWidth;
    var height = video.videoHeight;
    if (!width || !height || !window.jsQR) {
      return;
    }
    var scale = Math.min(1, 800 / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(pixels.data, pixels.width, pixels.height,
                           { inversionAttempts: "attemptBoth" });
    if (code && code.data) {
      found(code.data);
    }
  }

  function tick() {
    if (!running) {
      return;
    }
    if (video.readyState < 2) {
      window.setTimeout(tick, 150);
      return;
    }
    var next = function () { window.setTimeout(tick, 150); };
    if (detector) {
      detector.detect(video).then(function (codes) {
        if (codes.length) {
          found(codes[0].rawValue);
        } else {
          next();
        }
      }, next);
    } else {
      decodeWithJsQR();
      if (!done) {
        next();
      }
    }
  }

  function stop() {
    running = false;
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    frame.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
  }

  function start() {
    say("starting");
    done = false;
    makeDetector().then(function () {
      return navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" } }, audio: false });
    }).then(function (media) {
      stream = media;
      video.srcObject = media;
      frame.hidden = false;
      startButton.hidden = true;
      stopButton.hidden = false;
      running = true;
      return video.play();
    }).then(function () {
      say("looking");
      tick();
    }).catch(function (error) {
      stop();
      say(error && error.name === "NotAllowedError" ? "denied" :
          (window.jsQR || detector ? "denied" : "unsupported"));
    });
  }

  section.hidden = false;
  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  window.addEventListener("pagehide", stop);
}());
