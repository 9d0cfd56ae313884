/* The citizen's page: the health code and the itinerary card in one view (一码通行).
 *
 * GET /v1/pass (self) or GET /v1/code?person= (a dependant) every POLL seconds and
 * before the signed code expires; the last answer is kept in localStorage, so when the
 * API is down the page keeps showing the last signed code with its expiry, marked as
 * saved. Dependants (GET /v1/people), vaccination and pop-up actions are shown when the
 * API has them and quietly left out when it answers 404 or leaves a field out.
 */
(function () {
  "use strict";
  var Y = window.Yima;
  var $ = function (id) { return document.getElementById(id); };

  Y.addWords({
    title: ["一码通行", "Health code + itinerary"],
    elder_on: ["长辈模式", "Large type"],
    elder_off: ["标准模式", "Standard view"],
    person: ["为谁出示", "Showing the code of"],
    self: ["本人", "Myself"],
    issued: ["签发", "Issued"],
    expires: ["有效至", "Valid until"],
    reasons: ["赋码原因", "Why this colour"],
    no_reasons: ["无异常", "Nothing to report"],
    card: ["通信大数据行程卡", "Itinerary card"],
    card_none: ["未绑定手机号，无行程卡", "No phone bound: no itinerary card"],
    cities: ["14 天内到达或途经（停留 4 小时以上）", "Cities in the last 14 days (over 4 h)"],
    countries: ["境外国家（地区）", "Countries and regions abroad"],
    star_note: ["* 表示当前该城市有中高风险地区。行程卡仅作提醒，不赋码。",
      "* the city has a medium- or high-risk area now. The card reminds; it gives no colour."],
    action_title: ["请尽快处理", "Action needed"],
    action_ok: ["我知道了", "Got it"],
    until_person: ["需工作人员解除", "until an official clears it"],
    until: ["至", "until"],
    green_when: ["最早可能变化时间：", "The colour can change at the earliest at "],
    left: ["剩余", "Refreshes within"],
    expired: ["已过期，请联网刷新", "Expired: go online to refresh"],
    online: ["已更新", "Updated"],
    offline: ["网络不可用：显示已保存的码，保存于 ", "Offline: showing the code saved at "],
    signed_out: ["登录已过期：显示已保存的码", "Signed out: showing the saved code"],
    no_code: ["尚未申报，暂无健康码", "No declaration yet: no code"],
    test: ["核酸", "Test"],
    negative: ["阴性", "negative"],
    positive: ["阳性", "positive"],
    invalid: ["无效", "invalid"],
    vaccine: ["疫苗接种", "Vaccination"],
    doses: ["剂", "doses"],
    code_alt: ["健康码二维码", "Health code QR"],
  });

  // #poll=N (seconds, at least 2) in the fragment shortens the default 15 s refresh.
  var POLL_SECONDS = Math.max(2, Number((/(?:^#|&)poll=(\d+)/.exec(location.hash) || [])[1]) || 15);
  var session = new Y.Session("citizen");
  var person = "self";
  var shown = null; // the answer on screen: {code, itinerary, latest_test, vaccination, saved_at}
  var timer = null;
  var dismissedAction = null;

  function cacheKey() { return "yima.citizen.last." + person; }

  function drawQr(token, colour) {
    var canvas = $("qr");
    var context = canvas.getContext("2d");
    var qr = window.qrcode(0, "M");
    qr.addData(token, "Alphanumeric");
    qr.make();
    var count = qr.getModuleCount();
    var quiet = 4;
    var cell = Math.floor(canvas.width / (count + quiet * 2));
    var offset = Math.floor((canvas.width - cell * count) / 2);
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.fillStyle = { green: "#0a6b2e", yellow: "#6b5200", red: "#a3121a" }[colour] || "#333";
    for (var r = 0; r < count; r++) {
      for (var c = 0; c < count; c++) {
        if (qr.isDark(r, c)) context.fillRect(offset + c * cell, offset + r * cell, cell, cell);
      }
    }
    canvas.setAttribute("aria-label", Y.t("code_alt") + " · " + Y.t("colour_" + colour));
  }

  function reasonText(reason) {
    return Y.lang() === "en" ? (reason.text_en || reason.text) : reason.text;
  }

  function pendingAction(code) {
    if (code.required_action) return code.required_action;
    var withAction = (code.reasons || []).filter(function (r) { return r.required_action; });
    return withAction.length ? withAction[0].required_action : null;
  }

  function render() {
    if (!shown) return;
    var code = shown.code;
    $("app").hidden = false;
    $("code-card").setAttribute("data-colour", code.colour);
    $("colour-label").textContent = Y.t("colour_" + code.colour);
    var holder = code.holder || {};
    $("holder").textContent = [holder.name_masked, holder.id_masked].filter(Boolean).join("  ");
    drawQr(code.token, code.colour);
    $("issued").textContent = Y.localTime(new Date(code.issued_at));
    $("issued").setAttribute("datetime", code.issued_at);
    $("expires").textContent = Y.localTime(new Date(code.expires_at));
    $("expires").setAttribute("datetime", code.expires_at);

    var list = $("reasons");
    list.replaceChildren();
    (code.reasons || []).forEach(function (reason) {
      var until = reason.until
        ? Y.t("until") + " " + Y.localTime(new Date(reason.until), true)
        : Y.t("until_person");
      list.appendChild(Y.el("li", { class: "reason reason-" + reason.colour }, [
        Y.el("strong", { text: reasonText(reason) }), " ", Y.el("span", { text: "(" + until + ")" }),
      ]));
    });
    if (!list.children.length) list.appendChild(Y.el("li", { text: Y.t("no_reasons") }));
    $("green-when").textContent = code.valid_until
      ? Y.t("green_when") + Y.localTime(new Date(code.valid_until), true) : "";

    var test = shown.latest_test || code.latest_test;
    $("test-badge").hidden = !test;
    if (test) {
      $("test-badge").textContent = Y.t("test") + " " + Y.t(test.result) +
        (test.badge ? " · " + test.badge : "");
    }
    var vaccination = shown.vaccination || code.vaccination;
    $("vaccination").hidden = !(vaccination && vaccination.doses);
    if (vaccination && vaccination.doses) {
      $("vaccination").textContent = Y.t("vaccine") + " " + vaccination.doses + " " + Y.t("doses");
    }

    var action = pendingAction(code);
    var actionKey = action ? action.code + ":" + action.text : null;
    $("action").hidden = !action || dismissedAction === actionKey;
    if (action) $("action-text").textContent = action.text;

    renderCard(shown.itinerary);
    tick();
  }

  function renderCard(card) {
    $("card").hidden = person !== "self";
    $("card-none").hidden = !!card;
    $("card-phone").textContent = card ? card.phone_masked : "";
    var cities = $("cities"), countries = $("countries");
    cities.replaceChildren();
    countries.replaceChildren();
    if (!card) return;
    (card.cities || []).forEach(function (city) {
      cities.appendChild(Y.el("li", { class: city.starred ? "chip starred" : "chip",
        text: city.name + (city.starred ? " *" : "") }));
    });
    (card.countries || []).forEach(function (country) {
      countries.appendChild(Y.el("li", { class: "chip",
        text: Y.lang() === "en" ? (country.name_en || country.name) : country.name }));
    });
  }

  function tick() {
    if (!shown) return;
    var left = new Date(shown.code.expires_at).getTime() - Date.now();
    var expired = left <= 0;
    $("code-card").classList.toggle("expired", expired);
    if (expired) {
      $("countdown").textContent = Y.t("expired");
    } else {
      var seconds = Math.floor(left / 1000);
      $("countdown").textContent = Y.t("left") + " " + Math.floor(seconds / 60) + ":" +
        ("0" + (seconds % 60)).slice(-2);
    }
  }

  function status(text, kind) {
    $("status-line").textContent = text;
    $("status-line").setAttribute("data-kind", kind);
  }

  async function refresh() {
    clearTimeout(timer);
    var token = session.token();
    try {
      if (!token) throw new Y.ApiError(401, null);
      var answer;
      if (person === "self") {
        var pass = await Y.call("GET", "pass", { token: token });
        answer = { code: pass.code, itinerary: pass.itinerary, latest_test: pass.latest_test,
          vaccination: pass.vaccination };
      } else {
        answer = { code: await Y.call("GET", "code?person=" + encodeURIComponent(person),
          { token: token }), itinerary: null };
      }
      answer.saved_at = new Date().toISOString();
      shown = answer;
      localStorage.setItem(cacheKey(), JSON.stringify(answer));
      status(Y.t("online") + " " + Y.localTime(new Date()), "online");
      render();
    } catch (exc) {
      if (!(exc instanceof Y.ApiError)) throw exc;
      var saved = null;
      try { saved = JSON.parse(localStorage.getItem(cacheKey()) || "null"); } catch (e) { saved = null; }
      if (saved && (!shown || shown.saved_at <= saved.saved_at)) shown = saved;
      if (exc.offline()) {
        if (shown) status(Y.t("offline") + Y.localTime(new Date(shown.saved_at)), "offline");
      } else if (exc.status === 401) {
        session.clear();
        $("signin").hidden = false;
        if (shown) status(Y.t("signed_out"), "offline");
      } else if (exc.status === 404) {
        status(Y.t("no_code"), "error");
      } else {
        status(exc.message, "error");
      }
      render();
      if (exc.status === 401) return;
    }
    var untilExpiry = shown ? new Date(shown.code.expires_at).getTime() - Date.now() - 30000 : 0;
    var wait = Math.max(2000, Math.min(POLL_SECONDS * 1000, untilExpiry));
    timer = setTimeout(refresh, wait);
  }

  async function loadPeople() {
    var token = session.token();
    if (!token) return;
    try {
      var people = await Y.call("GET", "people", { token: token });
      var items = people.items || people.people || [];
      if (items.length < 2) return;
      var select = $("person");
      select.replaceChildren();
      items.forEach(function (p) {
        var self = p.relation === "self" || p.self === true;
        var label = (self ? Y.t("self") + " " : "") + (p.name_masked || p.id) +
          (p.colour ? " · " + Y.t("colour_" + p.colour) : "");
        select.appendChild(Y.el("option", { value: self ? "self" : p.id, text: label }));
      });
      $("people-row").hidden = false;
    } catch (exc) {
      $("people-row").hidden = true; // no dependants route here (404), or offline
    }
  }

  function setElder(on) {
    document.body.classList.toggle("elder", on);
    localStorage.setItem("yima.elder", on ? "1" : "0");
    $("elder").setAttribute("data-t", on ? "elder_off" : "elder_on");
    $("elder").setAttribute("aria-pressed", on ? "true" : "false");
    Y.applyWords();
  }

  async function start() {
    Y.applyWords();
    Y.startClock($("clock"));
    Y.registerWorker();
    setInterval(tick, 1000);
    setElder(localStorage.getItem("yima.elder") === "1");
    $("elder").addEventListener("click", function () {
      setElder(!document.body.classList.contains("elder"));
    });
    $("lang").addEventListener("click", function () {
      Y.setLang(Y.lang() === "zh" ? "en" : "zh");
      render();
    });
    $("action-ok").addEventListener("click", function () {
      var action = shown && pendingAction(shown.code);
      dismissedAction = action ? action.code + ":" + action.text : null;
      $("action").hidden = true;
    });
    $("person").addEventListener("change", function (event) {
      person = event.target.value;
      shown = null;
      refresh();
    });
    $("dev-login").addEventListener("submit", async function (event) {
      event.preventDefault();
      try {
        await session.devLogin($("dev-subject").value, "citizen");
        $("signin").hidden = true;
        await loadPeople();
        refresh();
      } catch (exc) {
        $("signin-error").textContent = exc.status === 404 ? Y.t("open_from_app") : exc.message;
      }
    });
    try {
      await session.fromFragment();
    } catch (exc) {
      $("signin-error").textContent = exc.message;
    }
    $("signin").hidden = !!session.token();
    await loadPeople();
    refresh();
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refresh();
  });
  start();
})();
