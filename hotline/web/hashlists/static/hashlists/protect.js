/* The protect page: make the photo's PDQ fingerprint in the browser (pdq.js) and put only that in the
 * form. The file input sits outside the form and has no name, so the photo cannot be submitted. */
(function () {
  "use strict";
  var form = document.getElementById("protect-form");
  var picker = document.getElementById("photo-picker");
  var status = document.getElementById("pdq-status");
  var preview = document.getElementById("pdq-preview");
  if (!form || !picker || !status || !window.HotlinePdq) return;
  var submit = document.getElementById("protect-submit");
  var pdqInput = form.querySelector("input[name=pdq]");
  var qualityInput = form.querySelector("input[name=quality]");
  submit.disabled = !pdqInput.value;

  picker.addEventListener("change", function () {
    pdqInput.value = "";
    qualityInput.value = "";
    preview.textContent = "";
    submit.disabled = true;
    var file = picker.files && picker.files[0];
    if (!file) return;
    status.textContent = status.dataset.working;
    window.HotlinePdq.fromFile(file).then(function (result) {
      if (!result.hash) {
        status.textContent = status.dataset.tooPlain;
        return;
      }
      pdqInput.value = result.hash;
      qualityInput.value = String(result.quality);
      preview.textContent = result.hash;
      status.textContent = status.dataset.done;
      form.dataset.ready = "1";
      submit.disabled = false;
    }).catch(function () {
      status.textContent = status.dataset.failed;
    });
  });
  form.addEventListener("submit", function () {
    picker.value = ""; // forget the file as soon as the fingerprint is sent
  });
})();
