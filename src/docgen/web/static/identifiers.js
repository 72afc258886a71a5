/* Check characters of the identifiers that name a party, ported from src/docgen/identifiers.py.
 * Same rules and the same Chinese reasons, so the e-form says in the browser
 * what the server would say on submit. Each *Problem returns the reason or null. */
(function (global) {
  "use strict";

  // GB 32100-2015 统一社会信用代码
  var USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"; // 31 characters: no I, O, Z, S, V
  var USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  var USCC_REGISTRARS = "123456789ANY";

  function usccCheckChar(first17) {
    var total = 0;
    for (var i = 0; i < 17; i++) total += USCC_CHARSET.indexOf(first17[i]) * USCC_WEIGHTS[i];
    return USCC_CHARSET[(31 - (total % 31)) % 31];
  }

  function chars(text) { return Array.from(text); }

  function usccProblem(code) {
    var list = chars(code);
    if (list.length !== 18) return "长度应为 18 位，实为 " + list.length + " 位";
    for (var i = 0; i < list.length; i++) {
      if (USCC_CHARSET.indexOf(list[i]) < 0) {
        var hint = USCC_CHARSET.indexOf(list[i].toUpperCase()) >= 0 && list[i].length === 1 ? "（字母须大写）" : "";
        return "含有非法字符 " + list[i] + hint;
      }
    }
    if (USCC_REGISTRARS.indexOf(code[0]) < 0) return "第 1 位登记管理部门代码 " + code[0] + " 不存在";
    var expected = usccCheckChar(code.slice(0, 17));
    if (code[17] !== expected) return "校验码错误，应为 " + expected;
    return null;
  }

  // GB 11643-1999 公民身份号码
  var ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var ID_CHECK = "10X98765432";
  var DIGITS = "0123456789";

  function residentIdCheckDigit(first17) {
    var total = 0;
    for (var i = 0; i < 17; i++) total += Number(first17[i]) * ID_WEIGHTS[i];
    return ID_CHECK[total % 11];
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function isoDay(year, month, day) { return year + "-" + pad(month) + "-" + pad(day); }

  /** A real calendar date? (JS Date would silently roll 2月30日 over into March.) */
  function realDate(year, month, day) {
    if (month < 1 || month > 12 || day < 1 || year < 1) return false;
    var d = new Date(Date.UTC(2000, month - 1, day));
    d.setUTCFullYear(year);
    return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
  }

  function todayIso() {
    var now = new Date();
    return isoDay(now.getFullYear(), now.getMonth() + 1, now.getDate());
  }

  function birthDateProblem(digits, today) {
    var year = Number(digits.slice(0, 4)), month = Number(digits.slice(4, 6)), day = Number(digits.slice(6));
    if (!realDate(year, month, day)) return "出生日期 " + digits + " 不是有效日期";
    if (year < 1900) return "出生日期 " + digits + " 早于 1900 年";
    if (isoDay(year, month, day) > (today || todayIso())) return "出生日期 " + digits + " 晚于今天";
    return null;
  }

  function residentIdProblem(number, today) {
    var list = chars(number);
    if (list.length !== 18) return "长度应为 18 位，实为 " + list.length + " 位";
    for (var i = 0; i < 17; i++) {
      if (DIGITS.indexOf(list[i]) < 0 || list[i].length !== 1) return "前 17 位应为数字，含有 " + list[i];
    }
    if (number[17] === "x") return "末位校验码 x 应为大写 X";
    if (ID_CHECK.indexOf(number[17]) < 0) return "末位校验码应为数字或 X，实为 " + list[17];
    var birth = birthDateProblem(number.slice(6, 14), today);
    if (birth) return birth;
    var expected = residentIdCheckDigit(number.slice(0, 17));
    if (number[17] !== expected) return "校验码错误，应为 " + expected;
    return null;
  }

  global.docgenIdentifiers = {
    usccCheckChar: usccCheckChar, usccProblem: usccProblem,
    residentIdCheckDigit: residentIdCheckDigit, residentIdProblem: residentIdProblem,
    realDate: realDate
  };
})(window);
