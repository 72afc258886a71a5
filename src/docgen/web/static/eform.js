/* The e-form: fields built from the resolved JSON Schema, drafts on the server, preview, confirm, submit, errors.
 *
 * Each schema node becomes a control {el, get(), set(value)}; get() returns
 * the JSON the server expects (an empty text field is left out, so "required"
 * reads as the server says it), set() restores a draft or the example.
 * Every field and group carries data-pointer (its JSON pointer in the
 * payload), which is how errors, from this page's check or from the server's
 * problem+json, find the field they belong to.
 *
 * Drafts: a signed-in officer's draft is saved on the server (config.drafts,
 * POST then PUT, 300 ms after the last edit) and nothing of it stays in the
 * browser; before sign-in the draft is kept in this tab only (sessionStorage),
 * and moved to the server after sign-in. Copies an older version of this page
 * left in localStorage are taken over the same way and removed. When the page
 * is hidden or goes away (flush: pagehide, visibilitychange), an edit not yet
 * saved is sent at once with fetch keepalive; for a reload it is also handed
 * to the next page in this tab, which takes it at once (see flush).
 *
 * Issuing: the submit button previews (config.preview: the pages as they
 * would be issued, watermarked, nothing stored), then the officer confirms
 * in a panel naming the 文书编号 prefix and the party; an example draft
 * cannot be confirmed (the server refuses it too) and a payload equal to a
 * recently issued one needs a second tick naming the earlier document.
 * After issuing, the history entry records it, so Back never re-arms the form.
 *
 * With config.resubmit the same form corrects a returned document: it starts
 * from config.initial (the document's current data), keeps its draft per
 * document and round, and posts {round, data, opinion} to config.submit; the
 * server's errors outside /data (the note's /opinion) go to the field marked
 * data-outside-pointer. */
(function () {
  "use strict";
  var D = document;
  var config = JSON.parse(D.getElementById("form-config").textContent);
  var schema = JSON.parse(D.getElementById("form-schema").textContent);
  var form = D.getElementById("eform");
  var body = D.getElementById("eform-fields");
  var summary = D.getElementById("error-summary");
  var banner = D.getElementById("form-banner");
  var issuedBox = D.getElementById("issued");
  var draftState = D.getElementById("draft-state");
  var submitButton = D.getElementById("submit-button");
  var loadExample = D.getElementById("load-example");
  var clearDraft = D.getElementById("clear-draft");
  var exampleFlag = D.getElementById("example-flag");
  var previewBox = D.getElementById("preview");
  var confirmButton = D.getElementById("confirm-submit");
  var duplicateAck = D.getElementById("duplicate-ack");
  var resubmit = config.resubmit || null;
  var scope = resubmit ? resubmit.document + "/" + resubmit.round : null;  // a tab copy belongs to this form only
  var tabKey = "docgen.draft." + config.template + "@" + config.version;  // before sign-in: this tab only
  var legacyKey = resubmit ? "docgen.resubmit." + resubmit.document + "." + resubmit.round : tabKey;
  var submitLabel = submitButton.textContent;
  var act = resubmit ? "重新送审" : (config.act || "签发");
  var note = D.getElementById("resubmit-opinion");
  var LONG_TEXT = 200;
  var checked = false;      // after the first submit, every change re-checks the whole form
  var serverIssues = [];    // the server's last verdict, kept on a field until that field is edited
  var idempotencyKey = newKey();
  var draftId = config.draft ? config.draft.id : null;
  var isExample = config.draft ? !!config.draft.example : false;
  var previewed = null;     // the data the shown preview was made from

  // ------------------------------------------------------------------ small DOM helpers

  function h(tag, attrs, children) {
    var node = D.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) node.append(child);
    });
    return node;
  }

  function escape(name) { return String(name).replace(/~/g, "~0").replace(/\//g, "~1"); }

  function fieldId(pointer) {
    return "f" + (pointer ? pointer.replace(/~1/g, "_").replace(/~0/g, "_").replace(/\//g, "-") : "-root");
  }

  function newKey() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function requiredMark(required) {
    return required ? h("span", { "class": "req", text: "*", "aria-hidden": "true" }) : null;
  }

  function hint(node, id, extra) {
    var text = [node.description, extra].filter(Boolean).join(" ");
    return text ? h("p", { "class": "hint", id: id, text: text }) : null;
  }

  function errorSlot(id) {
    return h("p", { "class": "error-message", id: id, hidden: true });
  }

  function kindOf(node) {
    if (node.oneOf && !node.properties) return "choice";
    if (node.type === "object" || node.properties) return "object";
    if (node.type === "array") return "array";
    if ("const" in node) return "const";
    if (node["enum"]) return "enum";
    if (node.type === "boolean") return "boolean";
    if (node.type === "integer" || node.type === "number") return "number";
    return "string";
  }

  // ------------------------------------------------------------------ controls

  function build(node, pointer, opts) {
    switch (kindOf(node)) {
      case "choice": return choiceControl(node, pointer, opts);
      case "object": return objectControl(node, pointer, opts);
      case "array": return arrayControl(node, pointer, opts);
      case "const": return { el: null, get: function () { return node["const"]; }, set: function () {} };
      case "boolean": return booleanControl(node, pointer, opts);
      default: return inputControl(node, pointer, opts);
    }
  }

  /** A labelled field around one input, select or textarea. */
  function shell(node, pointer, opts, input, extras) {
    var id = fieldId(pointer);
    input.id = id;
    input.setAttribute("aria-describedby", node.description ? id + "-hint" : "");
    if (opts.required) input.setAttribute("aria-required", "true");
    var wrap = h("div", { "class": "field", "data-pointer": pointer, "data-error-id": id + "-error" }, [
      h("label", { "for": id }, [opts.title, requiredMark(opts.required)]),
      hint(node, id + "-hint"),
      errorSlot(id + "-error"),
      extras && extras.before ? extras.before(input) : input,
      extras && extras.after ? extras.after : null
    ]);
    return wrap;
  }

  function inputControl(node, pointer, opts) {
    var kind = kindOf(node), input, after = null, before = null;
    if (kind === "enum") {
      var labels = node["x-docgen-labels"] || {};  // the schema's words for machine values (photo → 照片)
      input = h("select", { name: pointer }, [h("option", { value: "", text: "请选择" })].concat(
        node["enum"].map(function (v) { return h("option", { value: JSON.stringify(v), text: labels[v] || String(v) }); })));
    } else if (kind === "string" && (node.maxLength || 0) > LONG_TEXT) {
      input = h("textarea", { name: pointer, rows: node.maxLength >= 5000 ? 6 : (node.maxLength >= 1000 ? 3 : 2), spellcheck: "false" });
      var counter = h("p", { "class": "counter", "aria-hidden": "true" });
      var update = function () { counter.textContent = Array.from(input.value).length + " / " + node.maxLength + " 字"; };
      input.addEventListener("input", update);
      update();
      after = counter;
      input._update = update;
    } else {
      var type = { date: "date", time: "time", phone: "tel" }[node.format] || (kind === "number" ? "number" : "text");
      input = h("input", { type: type, name: pointer, autocomplete: "off", spellcheck: "false" });
      if (kind === "number") {
        input.setAttribute("step", node.type === "integer" ? "1" : "any");
        if (node.minimum !== undefined) input.setAttribute("min", node.minimum);
        if (node.maximum !== undefined) input.setAttribute("max", node.maximum);
        input.classList.add("input-short");
      } else if (node.format === "money") {
        input.setAttribute("inputmode", "decimal");
        input.classList.add("input-medium");
        before = function (el) { return h("span", { "class": "input-affix" }, [el, h("span", { "class": "affix", text: "元" })]); };
      } else if (node.format === "uscc" || node.format === "resident-id" || /id_number|uscc/.test(pointer)) {
        input.classList.add("input-medium", "mono");
        input.setAttribute("autocapitalize", "characters");
      } else if (node.format === "date" || node.format === "time" || node.format === "year") {
        input.classList.add("input-short");
      } else if ((node.maxLength || 100) <= 50) {
        input.classList.add("input-medium");
      }
    }
    if (node.readOnly) {  // filled in from stored data (a case's 音像记录): shown, never typed
      if (input.tagName === "SELECT") input.disabled = true;
      else input.readOnly = true;
      input.classList.add("read-only");
    }
    var el = shell(node, pointer, opts, input, { after: after, before: before });
    return {
      el: el,
      get: function () {
        var raw = input.value;
        if (raw === "") return opts.inArray ? "" : undefined;
        if (kind === "enum") return JSON.parse(raw);
        if (kind === "number") return /^-?[0-9]+(\.[0-9]+)?$/.test(raw) ? Number(raw) : raw;
        return raw;
      },
      set: function (value) {
        if (value === undefined || value === null) input.value = "";
        else input.value = kind === "enum" ? JSON.stringify(value) : String(value);
        if (input._update) input._update();
      }
    };
  }

  function booleanControl(node, pointer, opts) {
    var id = fieldId(pointer);
    var radios = [["true", "是"], ["false", "否"]].map(function (pair) {
      var input = h("input", { type: "radio", name: id, id: id + "-" + pair[0], value: pair[0] });
      return { input: input, el: h("label", { "class": "choice", "for": id + "-" + pair[0] }, [input, " " + pair[1]]) };
    });
    radios[0].input.setAttribute("aria-describedby", node.description ? id + "-hint" : "");
    var el = h("fieldset", { "class": "field field-radios", "data-pointer": pointer, "data-error-id": id + "-error",
      id: id, "aria-describedby": node.description ? id + "-hint" : null }, [
      h("legend", {}, [opts.title, requiredMark(opts.required)]),
      hint(node, id + "-hint"),
      errorSlot(id + "-error"),
      h("div", { "class": "radios" }, radios.map(function (r) { return r.el; }))
    ]);
    return {
      el: el,
      get: function () {
        var on = radios.filter(function (r) { return r.input.checked; })[0];
        return on ? on.input.value === "true" : undefined;
      },
      set: function (value) {
        radios.forEach(function (r) { r.input.checked = value !== undefined && r.input.value === String(value); });
      }
    };
  }

  /** A group of fields; an optional group is switched on with a checkbox so that it can be left out. */
  function objectControl(node, pointer, opts) {
    var id = fieldId(pointer);
    var required = node.required || [];
    var names = Object.keys(node.properties || {});
    var children = {};
    var inner = h("div", { "class": "group-body" });
    names.forEach(function (name) {
      var child = node.properties[name];
      var control = build(child, pointer + "/" + escape(name), { title: child.title || name, required: required.indexOf(name) >= 0 });
      children[name] = control;
      if (control.el) inner.append(control.el);
    });
    if (opts.bare) {
      return { el: inner, get: collect, set: fill };
    }
    var toggle = null;
    var parts = [h("legend", {}, [opts.title, requiredMark(opts.required)]), hint(node, id + "-hint"), errorSlot(id + "-error")];
    if (!opts.required && !opts.inArray) {
      toggle = h("input", { type: "checkbox", id: id + "-include", "aria-controls": id + "-body" });
      parts.push(h("label", { "class": "choice include", "for": id + "-include" }, [toggle, " 填写“" + opts.title + "”"]));
      inner.id = id + "-body";
      inner.hidden = true;
      toggle.addEventListener("change", function () { inner.hidden = !toggle.checked; });
    }
    parts.push(inner);
    var el = h("fieldset", { "class": "group", id: id, "data-pointer": pointer, "data-error-id": id + "-error",
      "aria-describedby": node.description ? id + "-hint" : null }, parts);

    function collect() {
      if (toggle && !toggle.checked) return undefined;
      var out = {};
      names.forEach(function (name) {
        var value = children[name].get();
        if (value !== undefined) out[name] = value;
      });
      return out;
    }
    function fill(value) {
      var present = value !== null && typeof value === "object" && !Array.isArray(value);
      if (toggle) { toggle.checked = present; inner.hidden = !present; }
      names.forEach(function (name) { children[name].set(present ? value[name] : undefined); });
    }
    return { el: el, get: collect, set: fill };
  }

  /** oneOf: a switch between the branches (e.g. 自然人 / 法人或其他组织), by their const discriminator. */
  function choiceControl(node, pointer, opts) {
    var id = fieldId(pointer);
    var branches = node.oneOf;
    var disc = window.docgenCheck.discriminator(branches);
    var switchTitle = disc ? (branches[0].properties[disc].title || "类型") : "类型";
    var options = branches.map(function (b, i) { return { index: i, label: b.title || "第 " + (i + 1) + " 种" }; });
    if (!opts.required) options.unshift({ index: -1, label: "不填写" });
    var radios = options.map(function (o) {
      var input = h("input", { type: "radio", name: id + "-kind", id: id + "-kind-" + (o.index + 1), value: String(o.index) });
      return { input: input, el: h("label", { "class": "choice", "for": input.id }, [input, " " + o.label]) };
    });
    var holder = h("div", { "class": "branch" });
    var current = null, currentIndex = -1, cache = {};
    var el = h("fieldset", { "class": "group", id: id, "data-pointer": pointer, "data-error-id": id + "-error",
      "aria-describedby": node.description ? id + "-hint" : null }, [
      h("legend", {}, [opts.title, requiredMark(opts.required)]),
      hint(node, id + "-hint"),
      errorSlot(id + "-error"),
      h("fieldset", { "class": "field field-radios switch" }, [
        h("legend", { text: switchTitle }),
        h("div", { "class": "radios" }, radios.map(function (r) { return r.el; }))
      ]),
      holder
    ]);

    function select(index, value) {
      if (current && currentIndex >= 0) cache[currentIndex] = current.get();
      holder.replaceChildren();
      current = null;
      currentIndex = index;
      radios.forEach(function (r) { r.input.checked = Number(r.input.value) === index; });
      if (index < 0) return;
      current = objectControl(branches[index], pointer, { bare: true });
      holder.append(current.el);
      current.set(value !== undefined ? value : cache[index]);
    }
    radios.forEach(function (r) {
      r.input.addEventListener("change", function () { if (r.input.checked) select(Number(r.input.value)); });
    });
    return {
      el: el,
      get: function () { return current ? current.get() : undefined; },
      set: function (value) {
        cache = {};
        var index = -1;
        if (value && typeof value === "object" && disc) {
          branches.forEach(function (b, i) { if (b.properties[disc]["const"] === value[disc]) index = i; });
        }
        current = null;
        select(index, index >= 0 ? value : undefined);
      }
    };
  }

  /** A list with add and remove buttons; rows are re-rendered so pointers stay 0, 1, 2… */
  function arrayControl(node, pointer, opts) {
    var id = fieldId(pointer);
    var items = node.items || {};
    var itemTitle = items.title || "项目";
    var min = node.minItems || 0, max = node.maxItems || Infinity;
    var rows = [];
    var list = h("ol", { "class": "rows" });
    var add = h("button", { type: "button", "class": "btn btn-small btn-add", text: "＋ 添加" + itemTitle });
    var limits = [min > 1 ? "至少 " + min + " 项" : "", max !== Infinity ? "最多 " + max + " 项" : ""].filter(Boolean).join("，");
    var el = h("fieldset", { "class": "group group-array", id: id, "data-pointer": pointer, "data-error-id": id + "-error",
      "aria-describedby": id + "-hint" }, [
      h("legend", {}, [opts.title, requiredMark(opts.required)]),
      hint(node, id + "-hint", limits ? "（" + limits + "）" : ""),
      errorSlot(id + "-error"),
      list,
      add
    ]);

    function values() { return rows.map(function (r) { return r.get(); }); }

    function render(vals) {
      list.replaceChildren();
      rows = vals.map(function (value, i) {
        var title = itemTitle + " " + (i + 1);
        var control = build(items, pointer + "/" + i, { title: title, required: true, inArray: true });
        control.set(value);
        var remove = h("button", { type: "button", "class": "btn btn-small btn-remove", text: "删除",
          "aria-label": "删除" + title });
        remove.disabled = vals.length <= (opts.required ? min : 0);  // an optional list may be emptied
        remove.addEventListener("click", function () {
          var next = values();
          next.splice(i, 1);
          render(next);
          changed();
          var target = list.children[Math.min(i, rows.length - 1)];
          (target ? target.querySelector("input, select, textarea") : add).focus();
        });
        list.append(h("li", { "class": "row" }, [control.el, h("div", { "class": "row-tools" }, [remove])]));
        return control;
      });
      add.disabled = rows.length >= max;
    }
    add.addEventListener("click", function () {
      var next = values();
      next.push(undefined);
      render(next);
      changed();
      var field = list.lastElementChild && list.lastElementChild.querySelector("input, select, textarea");
      if (field) field.focus();
    });
    // An optional list starts empty: a row shown for it would be sent as [""] and refused (minItems, minLength).
    function initial() { var n = opts.required ? Math.max(min, 1) : 0, out = []; while (out.length < n) out.push(undefined); return out; }
    render(initial());
    return {
      el: el,
      get: function () {
        if (!rows.length && !opts.required) return undefined;
        return values();
      },
      set: function (value) { render(Array.isArray(value) ? value : initial()); }
    };
  }

  // ------------------------------------------------------------------ errors

  /** A server issue's pointer into the form's data ("/data/x" → "/x"), or null when it is outside the data. */
  function local(pointer) {
    if (pointer === "/data") return "";
    return pointer.indexOf("/data/") === 0 ? pointer.slice(5) : null;
  }

  /** Server issues as the form's own: pointers into the data, or ``outside`` for the fields around it. */
  function fromServer(issues) {
    return issues.map(function (issue) {
      var p = local(issue.pointer);
      return { pointer: p === null ? issue.pointer : p, message: issue.message, outside: p === null };
    });
  }

  /** The field or group an error at ``pointer`` belongs to: itself, else its nearest shown ancestor. */
  function holderOf(pointer, outside) {
    if (outside) return form.querySelector('[data-outside-pointer="' + CSS.escape(pointer) + '"]');
    var p = pointer;
    while (true) {
      var found = body.querySelector('[data-pointer="' + CSS.escape(p) + '"]');
      if (found) return found;
      if (!p) return null;
      p = p.slice(0, p.lastIndexOf("/"));
    }
  }

  function clearWrap(wrap) {
    wrap.classList.remove("has-error");
    var slot = D.getElementById(wrap.dataset.errorId);
    if (slot) { slot.hidden = true; slot.textContent = ""; }
    var input = inputOf(wrap);
    if (input) {
      input.removeAttribute("aria-invalid");
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (x) { return x && x !== wrap.dataset.errorId; });
      input.setAttribute("aria-describedby", described.join(" "));
    }
  }

  function inputOf(wrap) {
    if (wrap.dataset.outsidePointer !== undefined) return wrap.querySelector("input, select, textarea");
    return D.getElementById(fieldId(wrap.dataset.pointer));
  }

  function clearErrors() { form.querySelectorAll(".has-error").forEach(clearWrap); }

  function markError(wrap, message) {
    var slot = D.getElementById(wrap.dataset.errorId);
    if (!slot) return;
    var existing = slot.textContent ? slot.textContent.split("；") : [];
    if (existing.indexOf(message) < 0) existing.push(message);
    slot.replaceChildren(h("span", { "class": "visually-hidden", text: "错误：" }), existing.join("；"));
    slot.hidden = false;
    wrap.classList.add("has-error");
    var input = inputOf(wrap);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(wrap.dataset.errorId) < 0) described.push(wrap.dataset.errorId);
      input.setAttribute("aria-describedby", described.join(" "));
    }
  }

  /** Show issues beside their fields and in the summary at the top, in the order of the form.
   *  ``quiet`` (re-checking while the officer types) updates them without moving the focus. */
  function showErrors(issues, heading, quiet) {
    clearErrors();
    var placed = issues.map(function (issue) {
      var pointer = issue.pointer;
      var message = issue.message.split("（" + pointer + "）").join("");
      var wrap = holderOf(pointer, issue.outside);
      if (wrap) markError(wrap, message);
      return { wrap: wrap, message: message };
    });
    placed.sort(function (a, b) {
      if (!a.wrap || !b.wrap) return a.wrap ? 1 : (b.wrap ? -1 : 0);
      return a.wrap.compareDocumentPosition(b.wrap) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : (a.wrap === b.wrap ? 0 : 1);
    });
    var list = summary.querySelector("ul");
    list.replaceChildren.apply(list, placed.map(function (p) {
      if (!p.wrap) return h("li", { text: p.message });
      var target = inputOf(p.wrap) || p.wrap;
      var name = labelText(p.wrap);
      var text = name && p.message.indexOf(name) < 0 ? name + "：" + p.message : p.message;
      var link = h("a", { href: "#" + target.id, text: text });
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var focusable = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
        (focusable || target).focus();
        p.wrap.scrollIntoView({ block: "center" });
      });
      return h("li", {}, [link]);
    }));
    summary.querySelector("h2").textContent = heading || ("提交前请修改以下 " + issues.length + " 处问题");
    summary.hidden = false;
    if (!quiet) summary.focus();
  }

  /** The field's own label (or group legend), without the required mark: to name it in the summary. */
  function labelText(wrap) {
    var label = wrap.querySelector(":scope > label, :scope > legend");
    if (!label) return "";
    return Array.prototype.map.call(label.childNodes, function (n) {
      return n.nodeType === Node.TEXT_NODE ? n.textContent : "";
    }).join("").trim();
  }

  function hideSummary() { summary.hidden = true; }

  function say(kind, nodes) {
    banner.className = "notice notice-" + kind;
    banner.replaceChildren.apply(banner, nodes);
    banner.hidden = false;
  }

  // ------------------------------------------------------------------ drafts

  function clock() { return new Date().toLocaleTimeString("zh-CN", { hour12: false }); }

  function post(url, method, payload, extraHeaders, keepalive) {
    var headers = { "Content-Type": "application/json", "X-CSRF-Token": config.csrf };
    Object.keys(extraHeaders || {}).forEach(function (k) { headers[k] = extraHeaders[k]; });
    return fetch(url, { method: method, credentials: "same-origin", headers: headers, keepalive: !!keepalive,
                        body: payload === undefined ? undefined : JSON.stringify(payload) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) { return [response.status, json]; });
      });
  }

  function loginLink(text) {
    return h("a", { href: "/login?next=" + encodeURIComponent(location.pathname + location.search), text: text || "重新登录" });
  }

  var saveTimer = null, saving = false, saveAgain = false;
  var tabOwner = null;  // the officer whose tab copy this form restored (a copy kept again stays theirs)
  var savedState = null;  // what the server holds (or was last sent with keepalive), as JSON: flush() sends only a change

  /** The draft as a save sends it (data, example flag, note), as JSON to compare with savedState. */
  function snapshot() {
    return JSON.stringify({ data: root.get() || {}, example: isExample, note: note && note.value ? note.value : null });
  }

  /** Before sign-in (or after it lapsed): this tab only, gone when the tab is closed or on sign-out. The copy
   * names its owner (the officer signed in when it was made, or whose copy it continues): another officer
   * signing in in this tab never gets it (takeLocalCopy's caller drops it). */
  function keepInTab(data, handoff) {
    try {
      sessionStorage.setItem(tabKey, JSON.stringify({ saved: new Date().toISOString(), data: data, example: isExample,
                                                      note: note && note.value ? note.value : null, scope: scope,
                                                      draft: handoff || null, owner: config.owner || tabOwner }));
      return true;
    } catch (e) { return false; }
  }

  function saveDraft() {
    if (body.hasAttribute("inert")) return; // issued: nothing left to keep
    var data = root.get() || {};
    if (!config.signedIn) {
      draftState.textContent = keepInTab(data) ? "草稿暂存在本标签页（" + clock() + "）；登录后保存到服务器" : "本浏览器不能暂存草稿";
      return;
    }
    if (saving) { saveAgain = true; return; }
    saving = true;
    var sending = snapshot();
    var noteText = note && note.value ? note.value : null;
    var request = draftId
      ? post(config.drafts + "/" + encodeURIComponent(draftId), "PUT", { data: data, example: isExample, note: noteText })
      : post(config.drafts, "POST", { template: config.template, version: config.version, data: data, example: isExample,
                                      document: resubmit ? resubmit.document : null, round: resubmit ? resubmit.round : null,
                                      note: noteText });
    request.then(function (result) {
      var status = result[0], json = result[1];
      if (status === 201 || status === 200) {
        if (!draftId && json.id) {
          draftId = json.id;
          if (!resubmit) {  // a reload (or a bookmark) resumes this draft
            var url = new URL(location.href);
            url.searchParams.set("draft", draftId);
            url.searchParams.set("version", config.version);
            history.replaceState(history.state, "", url.pathname + url.search);
          }
        }
        try { sessionStorage.removeItem(tabKey); } catch (e) { /* nothing kept */ }
        savedState = sending;
        draftState.textContent = "草稿已保存到服务器（" + clock() + "）";
      } else if (status === 401) {
        keepInTab(data);
        draftState.replaceChildren("登录已失效，草稿暂存在本标签页。", loginLink(), "后保存到服务器。");
      } else if (status === 404 && draftId) {
        draftId = null;  // deleted elsewhere: the next save starts a new one
        saveAgain = true;
      } else {
        draftState.textContent = "草稿未能保存（" + (json.detail || "HTTP " + status) + "）";
      }
    }).catch(function () {
      draftState.textContent = "网络错误，草稿未能保存，稍后会再试";
    }).then(function () {
      saving = false;
      if (saveAgain) { saveAgain = false; saveDraft(); }
    });
  }

  function changed(event) {
    var wrap = event && event.target && event.target.closest && event.target.closest("[data-pointer]");
    if (wrap) {
      serverIssues = serverIssues.filter(function (i) { return i.outside || i.pointer !== wrap.dataset.pointer; });
    }
    var outside = event && event.target && event.target.closest && event.target.closest("[data-outside-pointer]");
    if (outside) {
      serverIssues = serverIssues.filter(function (i) { return !i.outside || i.pointer !== outside.dataset.outsidePointer; });
    }
    clearTimeout(saveTimer);
    saveTimer = setTimeout(function () {
      saveTimer = null;
      saveDraft();
      if (checked) recheck();
    }, 300);
  }

  /** The page is being hidden (pagehide: a reload, a link, a closed tab; visibilitychange: maybe for good):
   * an edit the debounce has not saved yet, or whose save is still answering, is sent now. A request the
   * page starts while it unloads must be keepalive to outlive it; it carries the same cookie and
   * X-CSRF-Token header as every save (sendBeacon cannot set the header). A draft the server has not
   * numbered yet (the first save not answered) cannot be PUT: it is kept in this tab, as before sign-in,
   * and the next load of this form moves it to the server (takeLocalCopy). */
  function flush(unloading) {
    if (!root || body.hasAttribute("inert")) return;
    var current = snapshot();
    if (current === savedState) return;  // the server has this already
    clearTimeout(saveTimer);
    saveTimer = null;
    if (!config.signedIn) { saveDraft(); return; }  // this tab only, written at once
    if (!draftId) {
      if (unloading) keepInTab(root.get() || {});
      else saveDraft();  // hidden but alive: the ordinary save, which numbers the draft
      return;
    }
    savedState = current;  // sent; a later edit differs again
    var payload = JSON.parse(current);
    post(config.drafts + "/" + encodeURIComponent(draftId), "PUT", payload, null, true)
      .then(function (result) {  // the page still lives (visibilitychange): a refusal is no save
        if (result[0] >= 300) {
          savedState = null;  // the next flush or edit sends it again
          if (result[0] === 401) keepInTab(payload.data);  // the sign-in lapsed: this tab keeps it, as saveDraft does
        }
      })
      .catch(function () { savedState = null; });  // too large for keepalive, or the network: the next flush retries
    // A reload's page was rendered by the server before this page hid (the navigation's response comes
    // first), so it shows the draft without this edit: it is handed over in this tab, and only to the next
    // page (the e-form of this same draft takes it and saves it again; any other page drops it, site.js).
    if (unloading) keepInTab(payload.data, draftId);
  }

  window.addEventListener("pagehide", function () { flush(true); });
  D.addEventListener("visibilitychange", function () { if (D.visibilityState === "hidden") flush(false); });

  /** A copy kept in the browser: this tab's (before sign-in) or one an older version of the page left in localStorage. */
  function takeLocalCopy() {
    var found = null;
    [[sessionStorage, tabKey], [localStorage, legacyKey]].forEach(function (pair) {
      try {
        var raw = pair[0].getItem(pair[1]);
        if (raw && !found) found = JSON.parse(raw);
        if (pair[0] === localStorage || config.signedIn) pair[0].removeItem(pair[1]);
      } catch (e) { /* unreadable: ignore */ }
    });
    return found && found.data ? found : null;
  }

  function showExampleFlag() {
    exampleFlag.hidden = !isExample;
  }

  // ------------------------------------------------------------------ checking, previewing and submitting

  function clientIssues() { return window.docgenCheck.check(schema, root.get() || {}, config.calendar); }

  function recheck() {
    var issues = clientIssues().concat(serverIssues);
    var heading = serverIssues.length ? "服务器校验未通过，请修改以下 " + issues.length + " 处问题" : null;
    if (issues.length) showErrors(issues, heading, true);
    else { clearErrors(); hideSummary(); }
  }

  /** Leaving a filled field: say at once what is wrong with it (never "required" while tabbing through). */
  body.addEventListener("focusout", function (event) {
    var wrap = event.target.closest && event.target.closest("[data-pointer]");
    if (!wrap || checked || !event.target.value) return;
    var pointer = wrap.dataset.pointer;
    var mine = clientIssues().filter(function (i) { return i.pointer === pointer; });
    clearWrap(wrap);
    mine.forEach(function (i) { markError(wrap, i.message); });
  });

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  function busy(button, text) {
    button.dataset.label = button.dataset.label || button.textContent;
    button.disabled = true;
    button.textContent = text;
  }
  function idle(button) {
    button.disabled = false;
    if (button.dataset.label) button.textContent = button.dataset.label;
  }

  /** What every failed POST says, by status; 422 issues go beside their fields. */
  function failed(status, payload) {
    if (status === 422 && payload.errors) {
      serverIssues = fromServer(payload.errors);
      closePreview();
      return showErrors(serverIssues, "服务器校验未通过，请修改以下 " + payload.errors.length + " 处问题");
    }
    var reasons = { 403: payload.detail || "没有" + act + "权限。", 409: payload.detail || "请求冲突，请稍后重试。",
      503: "文书转换服务繁忙，请稍后重试。" };
    if (status === 401) say("error", ["登录已失效，请", loginLink(), "后再" + act + "（已填写的内容会保留在本标签页）。"]);
    else say("error", [reasons[status] || (payload.detail || act + "失败（HTTP " + status + "），请稍后重试。")]);
    if (status === 401) keepInTab(root.get() || {});
    banner.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    banner.hidden = true;
    checked = true;
    serverIssues = [];
    var issues = clientIssues();
    if (issues.length) { showErrors(issues); return; }
    clearErrors();
    hideSummary();
    if (!config.canSubmit) {
      var login = h("a", { href: "/login?next=" + encodeURIComponent(location.pathname + location.search), text: "登录" });
      say("error", [config.signedIn ? "当前账号没有“" + (config.roleName || "案件系统") + "”角色，不能" + act + "。草稿已保存，可换用有权限的账号" : act + "前请先", login, "（已填写的内容会保留）。"]);
      banner.focus();
      return;
    }
    if (resubmit) return send(submitButton);
    busy(submitButton, "正在生成预览，请稍候…");
    var data = root.get() || {};
    post(config.preview, "POST", { version: config.version, data: data }).then(function (result) {
      if (result[0] === 200) return showPreview(result[1], data);
      failed(result[0], result[1]);
    }).catch(function () {
      say("error", ["网络错误，未能生成预览。请检查网络后重试，已填写的内容会保留。"]);
      banner.focus();
    }).then(function () { idle(submitButton); });
  });

  /** The pages as they would be issued, and the confirmation that names the number prefix and the party. */
  function showPreview(result, data) {
    previewed = data;
    var pages = previewBox.querySelector("[data-pages]");
    pages.replaceChildren.apply(pages, result.pages.map(function (src, i) {
      return h("figure", { "class": "preview-page" }, [
        h("img", { src: src, alt: "预览第 " + (i + 1) + " 页，共 " + result.pages.length + " 页" }),
        h("figcaption", { text: "第 " + (i + 1) + " 页 / 共 " + result.pages.length + " 页" })]);
    }));
    var bytes = Uint8Array.from(atob(result.pdf), function (c) { return c.charCodeAt(0); });
    var link = previewBox.querySelector("[data-preview-pdf]");
    if (link.href.indexOf("blob:") === 0) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([bytes], { type: "application/pdf" }));
    var number = previewBox.querySelector("[data-number]");
    number.replaceChildren(result.prefix
      ? h("span", {}, ["前缀 ", h("strong", { text: result.prefix }), "，" + act + "时按顺序取号（" + result.number + "）"])
      : "本文书不编号");
    previewBox.querySelector("[data-party]").replaceChildren(result.party ? h("strong", { text: result.party }) : "（本文书未填写当事人）");
    showDuplicates(result.duplicates || []);
    var exampleNote = previewBox.querySelector("[data-example]");
    exampleNote.hidden = !(isExample && !result.demo);
    confirmButton.textContent = "确认" + act + (result.prefix ? "（" + result.prefix + "）" : "");
    confirmButton.dataset.label = confirmButton.textContent;
    updateConfirm();
    form.hidden = true;
    previewBox.hidden = false;
    previewBox.focus();
    previewBox.scrollIntoView({ block: "start" });
  }

  function showDuplicates(list) {
    var box = previewBox.querySelector("[data-duplicates]");
    var ul = box.querySelector("[data-duplicate-list]");
    ul.replaceChildren.apply(ul, list.map(function (d) {
      return h("li", { "data-id": d.id }, [d.time + " 签发为 ", h("a", { href: d.page, target: "_blank", text: d.doc_number || "文书 " + d.id })]);
    }));
    box.hidden = !list.length;
    duplicateAck.checked = false;
  }

  function acknowledged() {
    if (previewBox.querySelector("[data-duplicates]").hidden || !duplicateAck.checked) return [];
    return Array.prototype.map.call(previewBox.querySelectorAll("[data-duplicate-list] li"), function (li) { return li.dataset.id; });
  }

  function updateConfirm() {
    var dupBlocked = !previewBox.querySelector("[data-duplicates]").hidden && !duplicateAck.checked;
    var exampleBlocked = !previewBox.querySelector("[data-example]").hidden;
    confirmButton.disabled = dupBlocked || exampleBlocked;
  }
  duplicateAck.addEventListener("change", updateConfirm);

  function closePreview() {
    previewBox.hidden = true;
    form.hidden = false;
  }

  D.getElementById("back-to-form").addEventListener("click", function () {
    closePreview();
    submitButton.focus();
  });

  confirmButton.addEventListener("click", function () { send(confirmButton); });

  function send(button) {
    busy(button, "正在" + act + "，请稍候…");
    var payload = resubmit
      ? { round: resubmit.round, data: root.get() || {}, opinion: note && note.value ? note.value : null, draft: draftId }
      : { version: config.version, data: previewed || root.get() || {}, draft: draftId, example: isExample, duplicates: acknowledged() };
    if (!resubmit && config.caseId) payload.case_id = config.caseId;
    post(config.submit, "POST", payload, { "Idempotency-Key": idempotencyKey }).then(function (result) {
      var status = result[0], json = result[1];
      if (status === 201) return resubmit ? resubmitted(json) : issued(json);
      if (status === 409 && json.duplicates) {
        showDuplicates(json.duplicates);
        updateConfirm();
        previewBox.querySelector("[data-duplicates]").scrollIntoView({ block: "center" });
        return;
      }
      failed(status, json);
    }).catch(function () {
      say("error", ["网络错误，未能提交。请检查网络后重试，已填写的内容会保留。"]);
      banner.focus();
    }).then(function (done) {
      if (done === "leaving" || done === "issued") return; // finished: the buttons stay down
      idle(button);
      if (button === confirmButton) updateConfirm();
    });
  }

  /** Resubmitted: the draft is done with (the server deleted it); the document page shows the new stage. */
  function resubmitted(result) {
    body.setAttribute("inert", "");
    location.assign(result.links.page);
    return "leaving";
  }

  /** Issued: the form is closed for good, and this history entry says so (Back or reload shows this, not the form). */
  function issued(doc) {
    var summary = { id: doc.id, doc_number: doc.doc_number, links: doc.links };
    history.replaceState({ issued: summary }, "", location.pathname);
    showIssued(summary);
    return "issued";
  }

  function showIssued(doc) {
    idempotencyKey = newKey();
    draftId = null;
    checked = false;
    clearTimeout(saveTimer);
    body.setAttribute("inert", "");
    body.classList.add("is-done");
    form.hidden = false;
    previewBox.hidden = true;
    exampleFlag.hidden = true;
    [submitButton, loadExample, clearDraft].forEach(function (b) { b.hidden = true; b.disabled = true; });
    issuedBox.querySelector("[data-number]").textContent = doc.doc_number || "（本文书无文书编号）";
    issuedBox.querySelector("[data-pdf]").href = doc.links.pdf;
    issuedBox.querySelector("[data-page]").href = doc.links.page;
    issuedBox.hidden = false;
    issuedBox.focus();
    draftState.textContent = "";
  }

  D.getElementById("new-form").addEventListener("click", function () {
    history.replaceState(null, "", location.pathname);
    root.set(undefined);
    isExample = false;
    showExampleFlag();
    previewed = null;
    body.removeAttribute("inert");
    body.classList.remove("is-done");
    issuedBox.hidden = true;
    banner.hidden = true;
    [submitButton, loadExample, clearDraft].forEach(function (b) { b.hidden = false; b.disabled = false; });
    idle(submitButton);
    idle(confirmButton);
    window.scrollTo(0, 0);
  });

  /** Whether the officer has entered anything (so replacing it needs a confirmation). */
  function hasInput() {
    return Array.prototype.some.call(body.querySelectorAll("input, select, textarea"), function (el) {
      return el.type === "radio" || el.type === "checkbox" ? el.checked : el.value !== "";
    });
  }

  if (!resubmit) loadExample.addEventListener("click", function () {
    if (hasInput() && !window.confirm("用示例数据替换已填写的内容？")) return;
    fetch(config.example).then(function (r) { return r.json(); }).then(function (example) {
      root.set(example);
      isExample = true;
      showExampleFlag();
      clearErrors();
      hideSummary();
      saveDraft();
      say("info", ["已载入示例数据。示例数据" + (config.demo ? "只在演示环境中可以" + act : "不能" + act) + "，请逐项改写为本案的真实情况。"]);
    });
  });

  D.getElementById("unmark-example").addEventListener("click", function () {
    if (!window.confirm("确认表单中的示例内容已全部改为本案真实数据？")) return;
    isExample = false;
    showExampleFlag();
    saveDraft();
    say("info", ["已取消示例标记。"]);
  });

  clearDraft.addEventListener("click", function () {
    if (!window.confirm(resubmit ? "放弃已保存的更正，恢复为本文书当前的数据？" : "清空所有已填写的内容和已保存的草稿？")) return;
    root.set(resubmit || config.caseId ? config.initial : undefined);
    if (draftId) post(config.drafts + "/" + encodeURIComponent(draftId), "DELETE");
    try { sessionStorage.removeItem(tabKey); } catch (e) { /* nothing kept */ }
    draftId = null;
    isExample = false;
    showExampleFlag();
    if (!resubmit) history.replaceState(null, "", location.pathname);
    checked = false;
    serverIssues = [];
    clearErrors();
    hideSummary();
    banner.hidden = true;
    draftState.textContent = resubmit ? "已恢复为当前数据" : "已清空";
    savedState = snapshot();  // nothing to flush: the draft is gone on purpose
  });

  // ------------------------------------------------------------------ start

  var root = build(schema, "", { title: schema.title, required: true, bare: true });
  body.replaceChildren(root.el);
  var state = history.state;
  var kept = takeLocalCopy();
  if (kept && (kept.scope || null) !== scope) kept = null;  // another document's correction
  if (kept && kept.owner && config.owner && kept.owner !== config.owner) kept = null;  // another officer's edit
  tabOwner = kept && kept.owner ? kept.owner : null;  // signed out: a copy kept again stays its owner's
  var handoff = kept && kept.draft ? kept : null;  // what the page before a reload of this draft had (flush)
  if (handoff) kept = null;
  if (handoff && !(config.draft && config.draft.id === handoff.draft)) {
    if (!config.signedIn) kept = handoff;  // the sign-in lapsed: kept in this tab, as before sign-in
    handoff = null;  // otherwise another draft or a blank form: the keepalive PUT saved it
  }
  var restoredFromTab = false;  // then the server does not have it yet: savedState stays empty until it does
  function when(iso) { return new Date(iso).toLocaleString("zh-CN", { hour12: false }); }
  if (state && state.issued) {
    showIssued(state.issued);  // Back (or reload) after issuing: the result, never a live form
  } else if (handoff) {
    restoredFromTab = true;
    root.set(handoff.data);
    isExample = !!handoff.example;
    if (note) note.value = handoff.note || "";
    say("info", ["已恢复 " + when(handoff.saved) + " 保存在服务器上的" + (resubmit ? "更正草稿。" : "草稿。")]);
    saveDraft();  // the same as the keepalive PUT, should that one not have arrived
  } else if (config.draft) {
    root.set(config.draft.data);
    if (note && config.draft.note) note.value = config.draft.note;
    say("info", ["已恢复 " + when(config.draft.updated_at) + " 保存在服务器上的" + (resubmit ? "更正草稿。" : "草稿。")]);
  } else if (kept) {
    restoredFromTab = true;
    root.set(kept.data);
    isExample = !!kept.example;
    if (note && kept.note) note.value = kept.note;
    say("info", ["已恢复本浏览器于 " + when(kept.saved) + " 暂存的" + (resubmit ? "更正草稿" : "草稿") +
                 (config.signedIn ? "，并已转存到服务器。" : "。")]);
    if (config.signedIn) saveDraft();
    else if (kept.draft) keepInTab(kept.data);  // a plain copy of this tab now, which other pages keep
  } else if (resubmit) {
    root.set(config.initial);
    say("info", ["已填入本文书当前的案件数据，请核对更正后重新送审。"]);
  } else if (config.caseId) {
    root.set(config.initial);
    say("info", ["已填入案件 " + config.caseNumber + " 的当事人、承办人员、案由等信息；签发后文书记入该案件。"]);
  } else if (config.draftMissing) {
    say("info", ["该草稿已不存在（可能已经" + act + "或被删除），下面是一份新的空白表单。"]);
  }
  showExampleFlag();
  if (!restoredFromTab) savedState = snapshot();  // what the form starts from needs no save until edited
  form.setAttribute("data-ready", "true");
})();
