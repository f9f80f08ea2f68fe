// Shows only the fields of the chosen kind of entity. Without JavaScript every kind's
// fields stay visible and the server uses those of the chosen kind.
(function () {
  "use strict";
  function sync(form) {
    var select = form.querySelector("select[name$='-kind']");
    if (!select) { return; }
    form.querySelectorAll("fieldset.kind-fields").forEach(function (fieldset) {
      fieldset.hidden = fieldset.getAttribute("data-kind") !== select.value;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".entity-form").forEach(function (form) {
      sync(form);
      form.addEventListener("change", function (event) {
        if (event.target.matches("select[name$='-kind']")) { sync(form); }
      });
    });
  });
})();
