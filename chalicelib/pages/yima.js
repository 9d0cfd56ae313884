/* What the three pages share: the API client, the session, the two languages, the clock.
 *
 * The API is reached with relative URLs ("../code" from /v1/pages/x.html), so the
 * pages work on any host and under API Gateway's stage prefix. The session comes from
 * a one-time page code in the URL's fragment (never sent to a server), exchanged once
 * with POST /v1/auth/page-session and kept in sessionStorage for this tab only.
 */
(function (global) {
  "use strict";

  var API = "../";

  function ApiError(status, body) {
    var error = (body && body.error) || {};
    this.status = status;
    this.code = error.code || (status ? "http_" + status : "network");
    this.message = error.message || (status ? "HTTP " + status : "the network is unreachable");
    this.field = error.field;
  }
  ApiError.prototype.offline = function () {
    return this.status === 0 || this.status >= 500;
  };

  function Session(page) {
    this.page = page;
    this.storageKey = "yima.session." + page;
  }
  Session.prototype.token = function () {
    try {
      var saved = JSON.parse(sessionStorage.getItem(this.storageKey) || "null");
      if (saved && new Date(saved.expires_at) > new Date()) return saved.token;
    } catch (exc) { /* a damaged entry is no session */ }
    return null;
  };
  Session.prototype.role = function () {
    try {
      return (JSON.parse(sessionStorage.getItem(this.storageKey) || "null") || {}).role || null;
    } catch (exc) { return null; }
  };
  Session.prototype.save = function (session) {
    sessionStorage.setItem(this.storageKey, JSON.stringify({
      token: session.token, expires_at: session.expires_at, role: session.role,
    }));
  };
  Session.prototype.clear = function () { sessionStorage.removeItem(this.storageKey); };

  /* The one-time code in #code=…, exchanged once, then removed from the address bar. */
  Session.prototype.fromFragment = async function () {
    var match = /(?:^#|&)code=([A-Za-z0-9_-]{1,64})/.exec(location.hash);
    if (!match) return false;
    history.replaceState(null, "", location.pathname + location.search);
    var session = await call("POST", "auth/page-session", { body: { code: match[1] } });
    this.save(session);
    return true;
  };
  /* The local stage's dev login (404 on every other stage). */
  Session.prototype.devLogin = async function (subject, role) {
    var session = await call("POST", "auth/dev", { body: { subject: subject, role: role } });
    this.save(session);
    return session;
  };

  async function call(method, path, options) {
    options = options || {};
    var headers = { Accept: "application/json" };
    if (options.token) headers.Authorization = "Bearer " + options.token;
    var init = { method: method, headers: headers, cache: "no-store", credentials: "omit" };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, options.timeoutMs || 6000);
    init.signal = controller.signal;
    var response;
    try {
      response = await fetch(API + path, init);
    } catch (exc) {
      throw new ApiError(0, null);
    } finally {
      clearTimeout(timer);
    }
    var body = null;
    try { body = await response.json(); } catch (exc) { body = null; }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  // --- the two languages ---------------------------------------------------------------

  var lang = localStorage.getItem("yima.lang") || "zh";
  var dictionary = { zh: {}, en: {} };

  function t(key) {
    var entry = dictionary[lang][key];
    return entry === undefined ? (dictionary.zh[key] || key) : entry;
  }
  function addWords(words) {
    Object.keys(words).forEach(function (key) {
      dictionary.zh[key] = words[key][0];
      dictionary.en[key] = words[key][1];
    });
  }
  function applyWords(root) {
    (root || document).querySelectorAll("[data-t]").forEach(function (node) {
      node.textContent = t(node.getAttribute("data-t"));
    });
    (root || document).querySelectorAll("[data-t-label]").forEach(function (node) {
      node.setAttribute("aria-label", t(node.getAttribute("data-t-label")));
    });
    (root || document).querySelectorAll("[data-t-placeholder]").forEach(function (node) {
      node.setAttribute("placeholder", t(node.getAttribute("data-t-placeholder")));
    });
    (root || document).querySelectorAll("[data-label]").forEach(function (node) {
      node.textContent = label(node.getAttribute("data-label"));
    });
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  }
  function setLang(next) {
    lang = next;
    localStorage.setItem("yima.lang", lang);
    applyWords();
  }

  addWords({
    colour_green: ["绿码", "Green"],
    colour_yellow: ["黄码", "Yellow"],
    colour_red: ["红码", "Red"],
    colour_pending: ["审核中", "Pending review"],
    lang_toggle: ["English", "中文"],
    sign_in: ["登录", "Sign in"],
    sign_out: ["退出", "Sign out"],
    subject: ["账号", "Account"],
    role: ["角色", "Role"],
    dev_only: ["仅本地环境：开发登录", "Local stage only: dev login"],
    open_from_app: ["请从小程序打开本页", "Open this page from the mini-program"],
    region_province: ["省", "Province"],
    region_city: ["市", "City"],
    region_county: ["区县", "County"],
    region_code: ["区划代码", "Division code"],
    region_typed: ["或输入6位区划代码", "or type the 6-digit code"],
    none: ["无", "None"],
  });

  // --- codes as words: one table for every enum value the pages show --------------------
  //
  // An API value (a status, a category, a symptom, a reason, a state...) reads as its
  // label in the page's language; a value the table does not know reads as itself, so a
  // new code on the server shows up raw rather than disappearing.

  var LABELS = {
    // declaration answers, review reasons and the risk facts a correction withdraws
    contact_with_confirmed: ["密接确诊病例", "Contact with a confirmed case"],
    abroad_14d: ["14天内境外", "Abroad in the last 14 days"],
    symptoms: ["有症状", "Symptoms"],
    abroad_contradicts_itinerary: ["申报未出境，行程显示境外", "Said not abroad; the itinerary shows abroad"],
    residence_contradicts_itinerary: ["居住地与行程不符", "Residence not on the itinerary"],
    correction: ["更正申报", "Correction"],
    withdraws_declared_risk: ["更正申报：撤回已申报的风险", "Correction: takes back a declared risk"],
    // symptoms
    fever: ["发热", "Fever"],
    cough: ["咳嗽", "Cough"],
    sore_throat: ["咽痛", "Sore throat"],
    fatigue: ["乏力", "Fatigue"],
    loss_of_taste_or_smell: ["嗅觉或味觉减退", "Loss of taste or smell"],
    shortness_of_breath: ["呼吸困难", "Shortness of breath"],
    diarrhoea: ["腹泻", "Diarrhoea"],
    // status marks
    confirmed: ["确诊", "Confirmed"],
    close_contact: ["密切接触者", "Close contact"],
    secondary_contact: ["次密接", "Secondary contact"],
    cleared: ["解除", "Cleared"],
    // the marks' epidemic categories
    case_report: ["病例报告", "Case report"],
    contact_tracing: ["流调追踪", "Contact tracing"],
    lab_result: ["检测结果", "Lab result"],
    quarantine_order: ["隔离管控令", "Quarantine order"],
    // states
    awaiting_approval: ["待批准", "Awaiting approval"],
    approved: ["已批准", "Approved"],
    rejected: ["已驳回", "Rejected"],
    pending_review: ["待审核", "Pending review"],
    open: ["待答复", "Open"],
    upheld: ["申诉成立", "Upheld"],
    dismissed: ["申诉不成立", "Dismissed"],
    active: ["已生效", "Active"],
    held: ["暂缓生效", "Held"],
    unchanged: ["未变化", "Unchanged"],
    // colours and risk levels
    green: ["绿码", "Green"],
    yellow: ["黄码", "Yellow"],
    red: ["红码", "Red"],
    pending: ["审核中", "Pending"],
    high: ["高风险", "High risk"],
    medium: ["中风险", "Medium risk"],
    low: ["低风险", "Low risk"],
    // roles
    citizen: ["市民", "Citizen"],
    reviewer: ["审核员", "Reviewer"],
    official: ["卫健官员", "Health official"],
    admin: ["管理员", "Admin"],
    checkpoint: ["卡口", "Checkpoint"],
    // venue kinds (chalicelib/venues/rules.py VENUE_KINDS)
    restaurant: ["餐饮", "Restaurant"],
    shop: ["商店", "Shop"],
    market: ["市场", "Market"],
    office: ["办公场所", "Office"],
    school: ["学校", "School"],
    hospital: ["医院", "Hospital"],
    hotel: ["酒店", "Hotel"],
    transport: ["交通场站", "Transport"],
    residential: ["居民小区", "Residential"],
    public: ["公共场所", "Public place"],
    other: ["其他", "Other"],
    // audit actions
    declaration_submitted: ["提交申报", "Declaration submitted"],
    declaration_reviewed: ["审核申报", "Declaration reviewed"],
    declaration_corrected: ["更正申报", "Declaration corrected"],
    status_requested: ["申请状态标记", "Status mark requested"],
    status_approved: ["批准状态标记", "Status mark approved"],
    status_withdrawn: ["撤回状态标记", "Status mark withdrawn"],
    appeal_filed: ["提交申诉", "Appeal filed"],
    appeal_answered: ["答复申诉", "Appeal answered"],
    colour_changed: ["码色变化", "Colour changed"],
    risk_feed_activated: ["风险快照生效", "Risk snapshot activated"],
    risk_feed_held: ["风险快照暂缓", "Risk snapshot held"],
    policy_updated: ["更新防疫政策", "Policy updated"],
    printed_code_issued: ["打印纸质码", "Printed code issued"],
    trust_list_loaded: ["载入信任列表", "Trust list loaded"],
    partner_status_received: ["收到互认状态", "Partner status received"],
    test_result_corrected: ["更正检测结果", "Test result corrected"],
    care_link_added: ["添加代管", "Care link added"],
    care_link_ended: ["结束代管", "Care link ended"],
    care_link_requested: ["申请代管", "Care link requested"],
    person_moved: ["人员迁移", "Person moved"],
    phone_moved: ["手机号迁移", "Phone moved"],
    dispute_appeal_filed: ["提交身份申诉", "Identity dispute filed"],
    // yes / no
    yes: ["是", "Yes"],
    no: ["否", "No"],
  };

  /* The label of an API value in the page's language; the value itself when unknown. */
  function label(code) {
    if (code === null || code === undefined || code === "") return "";
    var entry = Object.prototype.hasOwnProperty.call(LABELS, code) ? LABELS[code] : null;
    if (!entry) return String(code);
    return lang === "en" ? entry[1] : entry[0];
  }

  // --- divisions: names for codes, and the 省/市/区县 picker ------------------------------

  var regionNames = {};
  /* A division's name (GET /v1/regions/{code}: 西安市雁塔区), cached; the code itself
   * when the route does not know it or cannot be reached. */
  function regionName(code) {
    if (!code) return Promise.resolve("");
    if (!regionNames[code]) {
      regionNames[code] = call("GET", "regions/" + encodeURIComponent(code))
        .then(function (region) { return region.name || code; })
        .catch(function () { delete regionNames[code]; return code; });
    }
    return regionNames[code];
  }
  /* A span that shows the code, then "name (code)" once the name arrives. */
  function regionText(code) {
    var node = el("span", { class: "region", "data-code": code || "", text: code || "" });
    if (code) {
      regionName(code).then(function (name) {
        node.textContent = name && name !== code ? name + "（" + code + "）" : code;
      });
    }
    return node;
  }

  var regionLists = {};
  function regionChildren(parent) {
    var key = parent || "";
    if (!regionLists[key]) {
      regionLists[key] = call("GET", "regions" + (parent ? "?parent=" + encodeURIComponent(parent) : ""))
        .catch(function (exc) { delete regionLists[key]; throw exc; });
    }
    return regionLists[key];
  }

  /* Cascading selects (省 → 市 → 区县) over GET /v1/regions?parent=, writing the deepest
   * division picked into a text input named `name`, which also takes a typed code (the
   * fallback where the route is missing or the list is slow). Options' values are codes,
   * their text names. */
  function regionPicker(options) {
    var id = options.id;
    var wrap = el("div", { class: "region-picker", id: id + "-picker" });
    var levels = ["province", "city", "county"];
    var selects = levels.map(function (level) {
      var select = el("select", { id: id + "-" + level, "data-level": level,
        "aria-label": t("region_" + level) });
      select.hidden = level !== "province";
      wrap.appendChild(select);
      return select;
    });
    var typed = el("input", { id: id, name: options.name, autocomplete: "off", inputmode: "numeric",
      pattern: "[0-9]{6}", placeholder: t("region_typed"), "aria-label": options.label || t("region_code") });
    if (options.required) typed.required = true;
    if (options.value) typed.value = options.value;
    wrap.appendChild(typed);

    function fill(select, answer) {
      select.replaceChildren(el("option", { value: "", text: "—" + t("region_" + select.getAttribute("data-level")) + "—" }));
      (answer.items || []).forEach(function (item) {
        var option = el("option", { value: item.code, text: item.name });
        option.setAttribute("data-children", item.has_children ? "1" : "0");
        select.appendChild(option);
      });
      select.hidden = !(answer.items || []).length;
    }
    async function load(index, parent) {
      for (var n = index; n < selects.length; n++) {
        selects[n].replaceChildren();
        selects[n].hidden = true;
      }
      if (index >= selects.length || (index > 0 && !parent)) return;
      try {
        fill(selects[index], await regionChildren(parent));
      } catch (exc) {
        wrap.classList.add("typed-only"); // no division list here: the typed code stays
      }
    }
    selects.forEach(function (select, index) {
      select.addEventListener("change", async function () {
        var picked = select.value;
        var option = select.selectedOptions[0];
        if (picked) typed.value = picked;
        else typed.value = index > 0 ? selects[index - 1].value : "";
        if (picked && option && option.getAttribute("data-children") === "1") {
          await load(index + 1, picked);
        } else {
          await load(index + 1, null);
        }
        typed.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });
    /* A code given or typed shows in the selects too: 省, its 市, its 区县. */
    async function sync(code) {
      if (!/^[0-9]{6}$/.test(code)) return;
      var path = [code.slice(0, 2) + "0000", code.slice(0, 4) + "00", code];
      for (var n = 0; n < selects.length; n++) {
        var select = selects[n];
        if (!select.querySelector("option[value='" + path[n] + "']")) return;
        select.value = path[n];
        if (path[n] === code) {
          await load(n + 1, null);
          return;
        }
        await load(n + 1, path[n]);
      }
    }
    typed.addEventListener("change", function () { sync(typed.value.trim()); });
    wrap.ready = load(0, null).then(function () { return sync(typed.value.trim()); });
    wrap.input = typed;
    wrap.reset = function () {
      typed.value = "";
      selects[0].value = "";
      selects.slice(1).forEach(function (select) { select.replaceChildren(); select.hidden = true; });
    };
    return wrap;
  }

  // --- small helpers ---------------------------------------------------------------------

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localTime(date, withDate) {
    // Asia/Shanghai, whatever the phone's zone: the SPEC counts days there.
    var shifted = new Date(date.getTime() + 8 * 3600 * 1000);
    var text = pad(shifted.getUTCHours()) + ":" + pad(shifted.getUTCMinutes()) + ":" +
      pad(shifted.getUTCSeconds());
    if (!withDate) return text;
    return shifted.getUTCFullYear() + "-" + pad(shifted.getUTCMonth() + 1) + "-" +
      pad(shifted.getUTCDate()) + " " + text;
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function startClock(node) {
    function tick() { node.textContent = localTime(new Date(), true); }
    tick();
    return setInterval(tick, 1000);
  }
  function registerWorker() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(function () {});
    }
  }

  global.Yima = {
    call: call,
    ApiError: ApiError,
    Session: Session,
    t: t,
    addWords: addWords,
    applyWords: applyWords,
    setLang: setLang,
    lang: function () { return lang; },
    label: label,
    apiUrl: function (path) { return API + path; },
    regionName: regionName,
    regionText: regionText,
    regionPicker: regionPicker,
    localTime: localTime,
    el: el,
    startClock: startClock,
    registerWorker: registerWorker,
  };
})(this);
