/* The e-form's client-side check: a JSON Schema 2020-12 subset, with the server's Chinese wording.
 *
 * The schema it gets has every $ref already resolved by the server
 * (docgen.web.schema_form), so this needs no registry. It covers what the
 * released schemas use: type, const, enum, required, properties, items,
 * min/maxItems, min/maxLength, pattern, minimum/maximum, format (docgen's
 * own formats: date, date-time, time, money, phone, year, uscc, resident-id),
 * allOf, anyOf, oneOf (chosen by a const discriminator, else the plausible
 * branch), not, if/then/else, contains (min/maxContains), dependentRequired,
 * min/maxProperties, propertyNames, and docgen's own keywords x-docgen-after (a date
 * N working days or calendar days after another field's date: at least, strictly after or at most;
 * working days counted on the agency's calendar of holidays and 调休 workdays that the page passes in
 * as {holidays: [...], workdays: [...], years: [...]}, ISO dates and the known years, a count through
 * an unknown year refused; without one, Monday to Friday in every year, as workdays.py's DEFAULT)
 * and x-docgen-distinct (no name of one list in another). The server remains the authority: whatever
 * this misses comes back as problem+json and is shown beside the same field.
 * Each issue is {pointer, message} with the message as the server words it
 * (title + predicate), minus the pointer. */
(function (global) {
  "use strict";
  var ids = global.docgenIdentifiers;

  var TYPES = { string: "文本", integer: "整数", number: "数字", boolean: "布尔值（true 或 false）",
    object: "对象", array: "数组", "null": "空值（null）" };
  var MONEY_AS_NUMBER = "应使用字符串表示金额，如 \"12000.00\"，不能使用数字";
  var DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
  var DATE_TIME = /^([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:[Zz]|[+-]([0-9]{2}):([0-9]{2}))$/;
  var TIME = /^(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?$/;
  var MONEY = /^(?:0|[1-9][0-9]{0,12})(?:\.[0-9]{1,2})?$/;
  var PHONE = /^(?:1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-[0-9]{7,8}(?:-[0-9]{1,6})?)$/;
  var YEAR = /^[0-9]{4}$/;

  function realDate(text) {
    var m = DATE.exec(text);
    return !!m && ids.realDate(Number(m[1]), Number(m[2]), Number(m[3]));
  }

  /** Format checks: the predicate in Chinese, or null. Unknown formats are annotations. */
  var FORMATS = {
    "date": function (v) {
      return realDate(v) ? null : "应为有效日期，格式为 YYYY-MM-DD" + (DATE.test(v) ? "，" + v + " 不存在" : "");
    },
    "date-time": function (v) {
      var m = DATE_TIME.exec(v);
      if (!m || !realDate(m[1])) return "应为带时区的日期时间，如 2026-03-05T09:30:00+08:00";
      var bad = Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4]) > 60 ||
        Number(m[5] || 0) > 23 || Number(m[6] || 0) > 59;
      return bad ? "应为带时区的日期时间，" + v + " 中的时间不存在" : null;
    },
    "time": function (v) { return TIME.test(v) ? null : "应为 24 小时制时间，格式为 HH:MM 或 HH:MM:SS"; },
    "money": function (v) {
      return MONEY.test(v) ? null : "应为金额格式，如 \"12000.00\"（不带符号和千分位，最多两位小数）";
    },
    "phone": function (v) {
      return PHONE.test(v) ? null : "应为手机号码或带区号的固定电话，如 13812345678、0731-12345678";
    },
    "year": function (v) { return YEAR.test(v) ? null : "应为四位数字的年份，如 2026"; },
    "uscc": function (v) {
      var p = ids.usccProblem(v);
      return p ? "不是有效的统一社会信用代码：" + p : null;
    },
    "resident-id": function (v) {
      var p = ids.residentIdProblem(v);
      return p ? "不是有效的居民身份证号码：" + p : null;
    }
  };

  // x-docgen-after (validation.py's _after and _too_early, workdays.py's Calendar.add_working_days)

  var AFTER = "x-docgen-after";

  function pointerParts(at) {
    return at.split("/").slice(1).map(function (part) { return part.replace(/~1/g, "/").replace(/~0/g, "~"); });
  }

  /** The date (YYYY-MM-DD) at pointer ``at`` below ``v``, or null when it is absent or not a real date. */
  function dateAt(v, at) {
    var parts = pointerParts(at);
    for (var i = 0; i < parts.length; i++) {
      if (typeOf(v) !== "object" || !Object.prototype.hasOwnProperty.call(v, parts[i])) return null;
      v = v[parts[i]];
    }
    return typeof v === "string" && realDate(v) ? v : null;
  }

  function pad(n, width) { var s = String(n); while (s.length < width) s = "0" + s; return s; }

  function isoOf(d) { return pad(d.getUTCFullYear(), 4) + "-" + pad(d.getUTCMonth() + 1, 2) + "-" + pad(d.getUTCDate(), 2); }

  /** A calendar ({holidays, workdays}: arrays of ISO dates, or nothing) as two lookups. */
  function daysOff(calendar) {
    var sets = { holidays: {}, workdays: {} };
    ["holidays", "workdays"].forEach(function (key) {
      ((calendar && calendar[key]) || []).forEach(function (iso) { sets[key][iso] = true; });
    });
    return sets;
  }

  /** ``iso`` plus ``days`` working days of ``calendar`` (the day of ``iso`` itself not counted), as
   *  workdays.py's Calendar.add_working_days: Monday to Friday minus holidays, plus 调休 workdays. */
  function addWorkingDays(iso, days, calendar) { return countWorkingDays(iso, days, daysOff(calendar)); }

  function countWorkingDays(iso, days, sets) {
    var m = DATE.exec(iso);
    var d = new Date(0);
    d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    while (days > 0) {
      d.setUTCDate(d.getUTCDate() + 1);
      var day = isoOf(d);
      var working = sets.workdays[day] || (d.getUTCDay() !== 0 && d.getUTCDay() !== 6 && !sets.holidays[day]);
      if (working) days -= 1;
    }
    return isoOf(d);
  }

  /** The title of the property at pointer ``at``, as declared under ``node``'s properties, or null. */
  function titleAt(node, at) {
    var parts = pointerParts(at);
    for (var i = 0; i < parts.length; i++) {
      var props = node && typeof node === "object" && node.properties;
      if (!props || typeof props !== "object" || !Object.prototype.hasOwnProperty.call(props, parts[i])) return null;
      node = props[parts[i]];
    }
    return node && typeof node === "object" && node.title ? node.title : null;
  }

  /** ``iso`` plus ``days`` calendar days. */
  function addDays(iso, days) {
    var m = DATE.exec(iso);
    var d = new Date(0);
    d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days);
    return isoOf(d);
  }

  /** The years from ``start`` to ``end`` the calendar of the check does not know (workdays.py's
   *  Calendar.unknown_years): none when the page's calendar has no ``years`` (every year Monday–Friday). */
  function unknownYears(start, end) {
    if (!checkingYears) return [];
    var missing = [];
    for (var year = Number(start.slice(0, 4)); year <= Number(end.slice(0, 4)); year++) {
      if (checkingYears.indexOf(year) < 0) missing.push(year);
    }
    return missing;
  }

  // x-docgen-distinct (validation.py's _distinct and _not_distinct)

  var DISTINCT = "x-docgen-distinct";

  /** [index, name] of the items of the list at pointer ``at`` below ``v``: each item itself, or its ``key``. */
  function namesAt(v, at, key) {
    var parts = pointerParts(at);
    for (var i = 0; i < parts.length; i++) {
      if (typeOf(v) !== "object" || !Object.prototype.hasOwnProperty.call(v, parts[i])) return [];
      v = v[parts[i]];
    }
    if (!Array.isArray(v)) return [];
    var names = [];
    v.forEach(function (item, index) {
      var name = key === undefined || typeOf(item) !== "object" ? item : item[key];
      if (typeof name === "string" && name) names.push([index, name]);
    });
    return names;
  }

  /** Each person of the list at ``field`` who is also in the list at ``from`` (compared by name). */
  function distinct(node, v, ptr, out) {
    node[DISTINCT].forEach(function (rule) {
      var others = {};
      namesAt(v, rule.from, rule.from_key).forEach(function (pair) { others[pair[1]] = true; });
      var fieldTitle = titleAt(node, rule.field), fromTitle = titleAt(node, rule.from);
      var field = fieldTitle ? fieldTitle + "（" + rule.field + "）" : "字段 " + rule.field + " ";
      var from = fromTitle ? fromTitle + "（" + rule.from + "）" : "字段 " + rule.from + " ";
      var at = ptr + pointerParts(rule.field).map(function (p) { return "/" + escape(p); }).join("");
      namesAt(v, rule.field, rule.field_key).forEach(function (pair) {
        if (!Object.prototype.hasOwnProperty.call(others, pair[1])) return;
        out.push({ pointer: at + "/" + pair[0],
          message: field + "中的“" + pair[1] + "”也是" + from + "中的人员：" + rule.because });
      });
    });
  }

  /** Each rule broken: at that field, worded as validation.py's _too_early (the field's own pointer
   *  left out, as everywhere here; the other field's pointer kept). ``working_days`` or ``days``;
   *  ``exclusive``: strictly later; ``within``: no later; a working-day count through a year the
   *  calendar does not know is refused. */
  function after(node, v, ptr, out) {
    node[AFTER].forEach(function (rule) {
      var start = dateAt(v, rule.after), end = dateAt(v, rule.field);
      if (start === null || end === null) return; // absent or not a date: the fields' own rules say so
      var working = Object.prototype.hasOwnProperty.call(rule, "working_days");
      var limit = working ? countWorkingDays(start, rule.working_days, checking) : addDays(start, rule.days);
      var fieldTitle = titleAt(node, rule.field), afterTitle = titleAt(node, rule.after);
      var field = fieldTitle || "字段 " + rule.field + " ";
      var since = afterTitle ? afterTitle + "（" + rule.after + "）" : "字段 " + rule.after + " ";
      var at = ptr + pointerParts(rule.field).map(function (p) { return "/" + escape(p); }).join("");
      var unknown = working ? unknownYears(start, end > limit ? end : limit) : [];
      if (unknown.length) {
        out.push({ pointer: at, message: field + "无法核对：期限按工作日计算，而机关配置的工作日历（calendar）没有 " +
          unknown.map(function (y) { return y + " 年"; }).join("、") + "的节假日安排，按周一至周五计算可能少算期限；" +
          "请先在机关配置中补充国务院办公厅公布的该年节假日安排：" + rule.because });
        return;
      }
      var count = working ? "第 " + rule.working_days + " 个工作日" : "第 " + rule.days + " 日";
      var message;
      if (rule.within) {
        if (end <= limit) return;
        message = field + "应不晚于 " + limit + "，即" + since + "后" + count + "：" + rule.because;
      } else if (rule.exclusive) {
        if (end > limit) return;
        message = field + "应晚于 " + limit + "，即" + since + "后" + count + "（期限届满之日）：" + rule.because;
      } else {
        if (end >= limit) return;
        message = field + "应不早于 " + limit + "，即" + since + "后" + count + "：" + rule.because;
      }
      out.push({ pointer: at, message: message });
    });
  }


  function typeOf(v) {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
    return typeof v;
  }

  function isType(v, t) {
    if (t === "number") return typeof v === "number";
    return typeOf(v) === t;
  }

  function show(v) { return typeof v === "string" ? v : JSON.stringify(v); }

  function equal(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function length(text) { return Array.from(text).length; } // code points, as Python's len()

  function escape(name) { return String(name).replace(/~/g, "~0").replace(/\//g, "~1"); }

  function label(title) { return title || "此项"; }

  /** The title of property ``name`` as the object declaring it names it. */
  function titleOf(node, decl, name) {
    var props = (node && node.properties) || {};
    if (props[name] && props[name].title) return props[name].title;
    var declared = (decl && decl.properties) || {};
    return declared[name] && declared[name].title ? declared[name].title : null;
  }

  /** A const that every branch pins on one property (e.g. party.kind): which branch the data means. */
  function discriminator(branches) {
    var first = branches[0] && branches[0].properties;
    if (!first) return null;
    for (var name in first) {
      if (branches.every(function (b) { return b.properties && b.properties[name] && "const" in b.properties[name]; })) {
        return name;
      }
    }
    return null;
  }

  function valid(node, value, decl) {
    var out = [];
    walk(node, value, "", null, decl, out);
    return out.length === 0;
  }

  function walk(node, v, ptr, title, decl, out) {
    if (node === true || node === undefined || node === null) return;
    if (node === false) { out.push({ pointer: ptr, message: label(title) + "不允许填写" }); return; }
    var t = node.title || title;
    var push = function (predicate, at, name) { out.push({ pointer: at === undefined ? ptr : at, message: label(name === undefined ? t : name) + predicate }); };
    if (node.properties) decl = node;

    if ("const" in node && !equal(v, node["const"])) push("应为 " + show(node["const"]));
    if (node["enum"] && !node["enum"].some(function (e) { return equal(e, v); })) {
      push("应为以下之一：" + node["enum"].map(show).join("、"));
    }
    if (node.type) {
      var types = Array.isArray(node.type) ? node.type : [node.type];
      if (!types.some(function (ty) { return isType(v, ty); })) {
        var moneyNumber = typeof v === "number" && node.format === "money";
        push(moneyNumber ? MONEY_AS_NUMBER : "应为" + types.map(function (ty) { return TYPES[ty] || ty; }).join("或"));
        return;
      }
    }
    if (typeof v === "string") {
      var n = length(v);
      if (node.minLength !== undefined && n < node.minLength) {
        push(node.minLength === 1 ? "不能为空" : "长度不能少于 " + node.minLength + " 个字符");
      }
      if (node.maxLength !== undefined && n > node.maxLength) push("长度不能超过 " + node.maxLength + " 个字符");
      if (node.pattern !== undefined && !new RegExp(node.pattern, "u").test(v)) {
        var ex = node.examples && node.examples.length ? "，例如 " + show(node.examples[0]) : "（应匹配 " + node.pattern + "）";
        push("格式不正确" + ex);
      }
      if (node.format && FORMATS[node.format]) {
        var problem = FORMATS[node.format](v);
        if (problem) push(problem);
      }
    }
    if (typeof v === "number" && node.format === "money") push(MONEY_AS_NUMBER);
    if (typeof v === "number") {
      if (node.minimum !== undefined && v < node.minimum) push("不能小于 " + node.minimum);
      if (node.maximum !== undefined && v > node.maximum) push("不能大于 " + node.maximum);
      if (node.exclusiveMinimum !== undefined && v <= node.exclusiveMinimum) push("应大于 " + node.exclusiveMinimum);
      if (node.exclusiveMaximum !== undefined && v >= node.exclusiveMaximum) push("应小于 " + node.exclusiveMaximum);
    }
    if (Array.isArray(v)) {
      if (node.minItems !== undefined && v.length < node.minItems) {
        push(node.minItems === 1 ? "不能为空" : "至少应有 " + node.minItems + " 项");
      }
      if (node.maxItems !== undefined && v.length > node.maxItems) push("最多只能有 " + node.maxItems + " 项");
      if (node.items) {
        v.forEach(function (item, i) { walk(node.items, item, ptr + "/" + i, node.items.title, null, out); });
      }
      if (node.contains !== undefined) {
        var matched = v.filter(function (item) { return valid(node.contains, item, null); }).length;
        var least = node.minContains === undefined ? 1 : node.minContains;
        if (node.maxContains !== undefined && matched > node.maxContains) push("最多只能有 " + node.maxContains + " 项符合要求");
        else if (matched < least) push(matched === 0 ? "至少应有一项符合要求" : "至少应有 " + least + " 项符合要求");
      }
    }
    if (typeOf(v) === "object") {
      (node.required || []).forEach(function (name) {
        if (!(name in v)) push("为必填项", ptr + "/" + escape(name), titleOf(node, decl, name));
      });
      var props = node.properties || {};
      Object.keys(props).forEach(function (name) {
        if (name in v) walk(props[name], v[name], ptr + "/" + escape(name), props[name].title, null, out);
      });
      var deps = node.dependentRequired || {};
      Object.keys(deps).forEach(function (trigger) {
        if (!(trigger in v)) return;
        deps[trigger].forEach(function (name) {
          if (!(name in v)) {
            var because = titleOf(node, decl, trigger);
            out.push({ pointer: ptr + "/" + escape(name),
              message: (because ? "填写了" + because + "时，" : "填写了 " + trigger + " 时，") +
                label(titleOf(node, decl, name)) + "为必填项" });
          }
        });
      });
    }
    if (typeOf(v) === "object") {
      var count = Object.keys(v).length;
      if (node.minProperties !== undefined && count < node.minProperties) {
        push(node.minProperties === 1 ? "不能为空" : "至少应填写 " + node.minProperties + " 项");
      }
      if (node.maxProperties !== undefined && count > node.maxProperties) {
        push(node.maxProperties === 0 ? "不能填写任何内容" : "最多只能填写 " + node.maxProperties + " 项");
      }
      if (node.propertyNames !== undefined) {
        Object.keys(v).forEach(function (name) {
          var found = [];
          walk(node.propertyNames, name, "", null, null, found);
          found.forEach(function (issue) {
            out.push({ pointer: ptr + "/" + escape(name), message: "字段名 " + name + " " + issue.message.replace(/^此项/, "") });
          });
        });
      }
    }
    if (Array.isArray(node[AFTER])) after(node, v, ptr, out);
    if (Array.isArray(node[DISTINCT])) distinct(node, v, ptr, out);
    (node.allOf || []).forEach(function (sub) { walk(sub, v, ptr, t, decl, out); });
    if (node["if"] !== undefined) {
      var branch = valid(node["if"], v, decl) ? node.then : node["else"];
      if (branch !== undefined) walk(branch, v, ptr, t, decl, out);
    }
    if (node.not !== undefined && valid(node.not, v, decl)) forbidden(node.not, v, ptr, t, node, decl, out);
    if (node.anyOf && !node.anyOf.some(function (sub) { return valid(sub, v, decl); })) {
      unmatched(node.anyOf, v, ptr, t, decl, out);
    }
    if (node.oneOf) oneOf(node, v, ptr, t, decl, out);
  }

  var ANNOTATIONS = ["title", "description", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly"];

  function withoutAnnotations(node) {
    var out = {};
    Object.keys(node).forEach(function (key) { if (ANNOTATIONS.indexOf(key) < 0) out[key] = node[key]; });
    return out;
  }

  /** The properties a ``not`` that is only about presence forbids ({required}, or anyOf/oneOf/allOf of such). */
  function forbiddenNames(not, v) {
    if (!not || typeof not !== "object" || typeOf(v) !== "object") return [];
    var node = withoutAnnotations(not), keys = Object.keys(node);
    if (!keys.length || keys.some(function (k) { return ["required", "anyOf", "oneOf", "allOf"].indexOf(k) < 0; })) return [];
    var required = node.required || [];
    var names = required.filter(function (n) { return n in v; });
    if (names.length !== required.length) return [];
    var failed = false;
    ["anyOf", "oneOf", "allOf"].forEach(function (key) {
      (node[key] || []).forEach(function (sub) {
        var found = forbiddenNames(sub, v);
        if (!found.length && key === "allOf") failed = true;
        found.forEach(function (n) { if (names.indexOf(n) < 0) names.push(n); });
      });
    });
    return failed ? [] : names;
  }

  /** What a value must not be, for a ``not`` it matched (as validation.py's _negated says it). */
  function negated(not) {
    var node = not && typeof not === "object" ? withoutAnnotations(not) : not;
    var keys = node && typeof node === "object" ? Object.keys(node) : null;
    if (node === true || (keys && !keys.length)) return "不允许填写";
    if (keys && keys.length === 1 && keys[0] === "const") return "不能为 " + show(node["const"]);
    if (keys && keys.length === 1 && keys[0] === "enum") return "不能为以下之一：" + node["enum"].map(show).join("、");
    if (keys && keys.length === 1 && keys[0] === "type") {
      var types = Array.isArray(node.type) ? node.type : [node.type];
      return "不能为" + types.map(function (ty) { return TYPES[ty] || ty; }).join("或");
    }
    if (not && typeof not === "object" && not.title) return "不应为“" + not.title + "”";
    return "不符合要求";
  }

  /** ``not`` matched: name the properties that should not be there when it says so. */
  function forbidden(not, v, ptr, t, node, decl, out) {
    var names = forbiddenNames(not, v);
    if (names.length) {
      names.forEach(function (name) {
        out.push({ pointer: ptr + "/" + escape(name), message: label(titleOf(node, decl, name)) + "不应填写" });
      });
    } else {
      out.push({ pointer: ptr, message: label(t) + negated(not) });
    }
  }

  /** A branch for a human: its title, its const value, its type, or its position. */
  function describe(b, i) {
    if (b && b.title) return b.title;
    if (b && typeof b === "object" && "const" in b) return show(b["const"]);
    if (b && typeof b.type === "string") return TYPES[b.type] || b.type;
    return "第 " + (i + 1) + " 种形式";
  }

  /** Whether a branch's problems show the value is not of that branch at all (a wrong type, a wrong const). */
  function rulesOut(issue, ptr, v, b) {
    if (issue.pointer === ptr && b && b.type && !(typeof v === "number" && b.format === "money")) {
      var types = Array.isArray(b.type) ? b.type : [b.type];
      if (!types.some(function (ty) { return isType(v, ty); })) return true;
    }
    var props = (b && b.properties) || {};
    return Object.keys(props).some(function (name) {
      return issue.pointer === ptr + "/" + escape(name) && "const" in props[name] && typeOf(v) === "object" &&
        name in v && !equal(v[name], props[name]["const"]);
    });
  }

  /** No branch of an anyOf/oneOf (without discriminator) matched: the one plausible branch's problems,
   *  else what every branch agrees on, else the branches by name (as validation.py does). */
  function unmatched(branches, v, ptr, t, decl, out) {
    var found = branches.map(function (b) { var o = []; walk(b, v, ptr, t, decl, o); return o; });
    var plausible = [];
    found.forEach(function (issues, i) {
      if (!issues.some(function (issue) { return rulesOut(issue, ptr, v, branches[i]); })) plausible.push(i);
    });
    if (plausible.length === 1) { found[plausible[0]].forEach(function (i) { out.push(i); }); return; }
    var key = function (i) { return i.pointer + "\n" + i.message; };
    var shared = found[0].filter(function (issue) {
      return found.every(function (issues) { return issues.some(function (o) { return key(o) === key(issue); }); });
    });
    if (shared.length) { shared.forEach(function (i) { out.push(i); }); return; }
    out.push({ pointer: ptr, message: label(t) + "应为以下之一：" + branches.map(describe).join("、") });
  }

  function oneOf(node, v, ptr, t, decl, out) {
    var branches = node.oneOf;
    var disc = discriminator(branches);
    var kinds = disc ? branches.map(function (b) {
      return show(b.properties[disc]["const"]) + (b.title ? "（" + b.title + "）" : "");
    }).join("、") : "";
    if (disc && typeOf(v) === "object" && !(disc in v)) {
      out.push({ pointer: ptr + "/" + escape(disc),
        message: label(branches[0].properties[disc].title) + "为必填项，应为以下之一：" + kinds });
      return;
    }
    if (disc && typeOf(v) === "object" && disc in v) {
      var chosen = branches.filter(function (b) { return equal(b.properties[disc]["const"], v[disc]); });
      if (chosen.length === 1) { walk(chosen[0], v, ptr, t, null, out); return; }
      out.push({ pointer: ptr + "/" + escape(disc), message: label(branches[0].properties[disc].title) + "应为以下之一：" + kinds });
      return;
    }
    var matching = branches.filter(function (b) { return valid(b, v, null); });
    if (matching.length === 1) return;
    if (matching.length > 1) { out.push({ pointer: ptr, message: label(t) + "同时符合多种形式，无法确定是哪一种" }); return; }
    unmatched(branches, v, ptr, t, decl, out);
  }

  /** The working days of the check under way (check's ``calendar``), for ``after``, and the years
   *  it knows (null: every year, Monday to Friday). */
  var checking = daysOff(null);
  var checkingYears = null;

  /** Every problem with ``value``, once each; ``x-docgen-after`` counts the working days of ``calendar``
   *  ({holidays, workdays, years} as the page's config carries it, workdays.py's Calendar.to_page;
   *  Monday to Friday in every year without one). */
  function check(schema, value, calendar) {
    var out = [];
    var outer = checking, outerYears = checkingYears;
    checking = daysOff(calendar);
    checkingYears = calendar && Array.isArray(calendar.years) ? calendar.years : null;
    try {
      walk(schema, value, "", null, null, out);
    } finally {
      checking = outer;
      checkingYears = outerYears;
    }
    var seen = {};
    return out.filter(function (issue) {
      var key = issue.pointer + "\n" + issue.message;
      if (seen[key]) return false;
      seen[key] = true;
      return true;
    });
  }

  global.docgenCheck = { check: check, discriminator: discriminator, formats: FORMATS, addWorkingDays: addWorkingDays };
})(window);
