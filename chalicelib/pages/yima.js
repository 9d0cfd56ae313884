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
  });

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
    localTime: localTime,
    el: el,
    startClock: startClock,
    registerWorker: registerWorker,
  };
})(this);
