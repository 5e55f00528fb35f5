/* The course site's behaviour: progress in localStorage, instant quiz feedback, copy buttons
 * and the theme toggle. Works from file:// pages; never makes a network request. */
(function () {
  "use strict";
  var site = (window.NeuronSite = window.NeuronSite || {});
  var root = document.documentElement;
  var STORE = "neuron-grader:" + (root.getAttribute("data-course-key") || "course") + ":progress";
  var THEME = "neuron-grader:theme";
  var DONE = { correct: true, done: true };
  var LABELS = {
    correct: "Done",
    done: "Done",
    incorrect: "Try again",
    started: "In progress",
    none: "Not started"
  };
  var memory = {};

  /* -- quiz answers: canonical forms matching grader/course/digest.py, and their digest -- */

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

  /* SHA-256 of a string's UTF-8 bytes as hex, with the browser's crypto.subtle (Chromium
   * offers it on file:// pages too). Resolves to null where it is missing. */
  function sha256Hex(text) {
    var subtle = window.crypto && window.crypto.subtle;
    if (!subtle) return Promise.resolve(null);
    return subtle.digest("SHA-256", new TextEncoder().encode(String(text))).then(function (buf) {
      var bytes = new Uint8Array(buf);
      var hex = "";
      for (var i = 0; i < bytes.length; i++) hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
      return hex;
    });
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

  /* -- storage ------------------------------------------------------------------------- */

  function readStore(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (error) {
      return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
    }
  }

  function writeStore(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (error) {
      memory[key] = value;
    }
  }

  function loadProgress() {
    var data = null;
    try {
      data = JSON.parse(readStore(STORE) || "null");
    } catch (error) {
      data = null;
    }
    if (!data || typeof data !== "object" || typeof data.items !== "object" || !data.items) {
      data = { version: 1, items: {} };
    }
    return data;
  }

  function saveProgress(progress) {
    writeStore(STORE, JSON.stringify(progress));
  }

  function entry(progress, id) {
    var value = progress.items[id];
    return value && typeof value === "object" ? value : {};
  }

  function statusOf(progress, id) {
    var status = entry(progress, id).status;
    return LABELS.hasOwnProperty(status) ? status : "none";
  }

  function update(id, changes) {
    var progress = loadProgress();
    var value = entry(progress, id);
    for (var key in changes) {
      if (Object.prototype.hasOwnProperty.call(changes, key)) value[key] = changes[key];
    }
    progress.items[id] = value;
    saveProgress(progress);
    renderStatuses(progress);
    return progress;
  }

  site.loadProgress = loadProgress;

  /* -- statuses, progress bar and "next up" ------------------------------------------- */

  function renderStatuses(progress) {
    var badges = document.querySelectorAll("[data-status-for]");
    for (var i = 0; i < badges.length; i++) {
      var status = statusOf(progress, badges[i].getAttribute("data-status-for"));
      badges[i].textContent = LABELS[status];
      badges[i].setAttribute("data-status", status);
    }
    var rows = document.querySelectorAll("[data-item-id][data-item-href]");
    if (!rows.length) return;
    var done = 0;
    var next = null;
    for (var r = 0; r < rows.length; r++) {
      var id = rows[r].getAttribute("data-item-id");
      if (DONE[statusOf(progress, id)]) {
        done++;
        rows[r].classList.add("is-done");
      } else {
        rows[r].classList.remove("is-done");
        if (!next) next = rows[r];
      }
    }
    var bar = document.querySelector("[data-progress-bar]");
    if (bar) bar.value = done;
    var text = document.querySelector("[data-progress-text]");
    if (text) text.textContent = done + " of " + rows.length + " done";
    var card = document.querySelector("[data-next-up]");
    if (card) {
      var link = card.querySelector("[data-next-link]");
      var title = card.querySelector("[data-next-title]");
      var meta = card.querySelector("[data-next-meta]");
      var icon = link.querySelector(".kind-icon");
      if (next) {
        var rowIcon = next.querySelector(".kind-icon");
        if (icon && rowIcon) link.replaceChild(rowIcon.cloneNode(true), icon);
        link.setAttribute("href", next.getAttribute("data-item-href"));
        title.textContent = next.getAttribute("data-item-title");
        meta.textContent = next.getAttribute("data-item-meta");
        card.classList.remove("is-finished");
      } else {
        link.setAttribute("href", "#lessons");
        title.textContent = "You have finished every exercise and quiz";
        meta.textContent = "Well done! Revisit any lesson below.";
        card.classList.add("is-finished");
      }
    }
  }

  /* -- quizzes ------------------------------------------------------------------------- */

  function payloadFor(id) {
    var blocks = document.querySelectorAll("script[data-quiz-payload]");
    for (var i = 0; i < blocks.length; i++) {
      if (blocks[i].getAttribute("data-quiz-payload") === id) {
        try {
          return JSON.parse(blocks[i].textContent);
        } catch (error) {
          return null;
        }
      }
    }
    return null;
  }

  /* Return {given, canonical} for what the learner entered, or {problem} when unusable. */
  function readAnswer(form, payload) {
    if (payload.decimals === null) {
      var picked = form.querySelector("[data-quiz-choice]:checked");
      if (!picked) return { problem: "Choose one of the answers first." };
      return { given: picked.value, canonical: site.canonicalChoice(picked.value) };
    }
    var input = form.querySelector("[data-quiz-input]");
    var text = input.value;
    if (!text.trim()) return { problem: "Type a number first." };
    var value = site.parseNumber(text);
    if (value === null) {
      return { problem: "That is not a number. Write it like 0.25, -1.5 or 2e-3." };
    }
    return { given: text.trim(), canonical: site.canonicalNumber(value, payload.decimals) };
  }

  function showFeedback(feedback, ok, message) {
    feedback.textContent = message;
    if (ok === null) {
      feedback.removeAttribute("data-correct");
    } else {
      feedback.setAttribute("data-correct", ok ? "true" : "false");
    }
  }

  function checkQuiz(form, payload, restoring) {
    var feedback = form.querySelector("[data-quiz-feedback]");
    var read = readAnswer(form, payload);
    if (read.problem) {
      showFeedback(feedback, null, read.problem);
      return;
    }
    site.answerDigest(payload.salt, payload.id, read.canonical).then(function (digest) {
      if (digest === null) {
        showFeedback(feedback, null, "This browser cannot check answers (no crypto.subtle).");
        return;
      }
      showVerdict(form, payload, read, digest === payload.digest, restoring);
    });
  }

  function showVerdict(form, payload, read, ok, restoring) {
    var feedback = form.querySelector("[data-quiz-feedback]");
    var message;
    if (ok) {
      message = restoring ? "You answered this correctly." : "Correct, well done!";
    } else if (payload.decimals === null) {
      message = "Not this one. Reread the question, open a hint if you like, and try again.";
    } else {
      message =
        "Not quite. Answers are compared after rounding to " + payload.decimals +
        " decimal place" + (payload.decimals === 1 ? "" : "s") +
        ". Check your working or open a hint, then try again.";
    }
    showFeedback(feedback, ok, message);
    if (!restoring) {
      var previous = statusOf(loadProgress(), payload.id);
      update(payload.id, {
        status: ok || previous === "correct" ? "correct" : "incorrect",
        given: read.given
      });
    }
  }

  function setupQuiz(form) {
    var id = form.getAttribute("data-quiz-id");
    var payload = payloadFor(id);
    if (!payload) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      checkQuiz(form, payload, false);
    });
    var saved = entry(loadProgress(), id).given;
    if (typeof saved !== "string" || !saved) return;
    if (payload.decimals === null) {
      var options = form.querySelectorAll("[data-quiz-choice]");
      for (var i = 0; i < options.length; i++) {
        if (options[i].value === saved) options[i].checked = true;
      }
    } else {
      form.querySelector("[data-quiz-input]").value = saved;
    }
    checkQuiz(form, payload, true);
  }

  /* -- code exercises ------------------------------------------------------------------ */

  function setupDone(box) {
    var id = box.getAttribute("data-done-for");
    box.checked = statusOf(loadProgress(), id) === "done";
    box.addEventListener("change", function () {
      update(id, { status: box.checked ? "done" : "started" });
    });
  }

  function markStarted(id) {
    if (statusOf(loadProgress(), id) === "none") update(id, { status: "started" });
  }

  /* -- copy buttons -------------------------------------------------------------------- */

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (error) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok;
  }

  function setupCopy(button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      if (!target) return;
      var text = target.textContent;
      var label = button.querySelector("[data-copy-label]") || button;
      var done = function (ok) {
        label.textContent = ok ? "Copied" : "Press Ctrl+C";
        if (!ok) selectText(target);
        window.setTimeout(function () {
          label.textContent = "Copy";
        }, 2000);
      };
      var item = document.querySelector("article[data-item-id]");
      if (item && item.getAttribute("data-item-kind") === "code") {
        markStarted(item.getAttribute("data-item-id"));
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () {
            done(true);
          },
          function () {
            done(fallbackCopy(text));
          }
        );
      } else {
        done(fallbackCopy(text));
      }
    });
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  /* -- theme --------------------------------------------------------------------------- */

  function currentTheme() {
    var chosen = root.getAttribute("data-theme");
    if (chosen === "light" || chosen === "dark") return chosen;
    var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    return dark ? "dark" : "light";
  }

  function setupTheme(button) {
    var sync = function () {
      var dark = currentTheme() === "dark";
      button.setAttribute("aria-pressed", dark ? "true" : "false");
      button.setAttribute("title", dark ? "Switch to light mode" : "Switch to dark mode");
    };
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      writeStore(THEME, next);
      sync();
    });
    if (window.matchMedia) {
      var query = window.matchMedia("(prefers-color-scheme: dark)");
      if (query.addEventListener) query.addEventListener("change", sync);
    }
    sync();
  }

  /* -- start --------------------------------------------------------------------------- */

  function each(selector, setup) {
    var found = document.querySelectorAll(selector);
    for (var i = 0; i < found.length; i++) setup(found[i]);
  }

  function start() {
    each("form[data-quiz-id]", setupQuiz);
    each("[data-done-for]", setupDone);
    each("[data-copy-target]", setupCopy);
    each("[data-theme-toggle]", setupTheme);
    each("[data-download-for]", function (link) {
      link.addEventListener("click", function () {
        markStarted(link.getAttribute("data-download-for"));
      });
    });
    each("[data-reset-progress]", function (button) {
      button.addEventListener("click", function () {
        if (window.confirm("Forget your progress on every exercise and quiz in this browser?")) {
          saveProgress({ version: 1, items: {} });
          renderStatuses(loadProgress());
        }
      });
    });
    window.addEventListener("storage", function (event) {
      if (event.key === STORE) renderStatuses(loadProgress());
    });
    renderStatuses(loadProgress());
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
