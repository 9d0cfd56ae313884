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
    until_open: ["结束时间视情况而定", "no set end"],
    // a dateless reason says what ends it (`ends`, docs/colour-rules.md)
    ends_area_lifted: ["风险区解除后结束", "ends when the area is lifted"],
    ends_negative_test: ["核酸检测阴性后结束", "ends with a negative test"],
    ends_review: ["审核后结束", "ends when it is reviewed"],
    ends_declaration: ["重新申报后结束", "ends with a new declaration"],
    ends_vaccination: ["疫苗接种达标后结束", "ends when the doses are on record"],
    ends_official: ["需工作人员解除", "until health officials clear it"],
    until: ["至", "until"],
    green_when: ["最早可能变化时间：", "The colour can change at the earliest at "],
    left: ["剩余", "Refreshes within"],
    expired: ["已过期，请联网刷新", "Expired: go online to refresh"],
    online: ["已更新", "Updated"],
    offline: ["网络不可用：显示已保存的码，保存于 ", "Offline: showing the code saved at "],
    signed_out: ["登录已过期：显示已保存的码", "Signed out: showing the saved code"],
    no_code: ["尚未申报，暂无健康码", "No declaration yet: no code"],
    no_code_title: ["还没有健康码，请先申报", "No health code yet: declare first"],
    no_code_text: ["如实填写健康申报后即可生成健康码；需要人工审核的申报，审核期间显示为审核中。",
      "Fill in the health declaration truthfully and your code appears at once; a declaration that needs a reviewer shows as pending until it is reviewed."],
    declare_open: ["去申报", "Declare now"],
    declare_again: ["更新健康申报", "Update my declaration"],
    declare_title: ["健康申报", "Health declaration"],
    d_name: ["姓名（与身份证一致）", "Name (as on the ID card)"],
    d_id_number: ["身份证号", "ID card number"],
    d_phone: ["手机号", "Mobile number"],
    d_region: ["现居住地（省/市/区县）", "Where you live (province / city / county)"],
    d_address: ["详细地址", "Address"],
    d_symptoms: ["14天内是否有以下症状（可多选，无则不选）",
      "Symptoms in the last 14 days (tick any; none if you had none)"],
    d_contact: ["14天内是否接触过确诊病例", "Contact with a confirmed case in the last 14 days"],
    d_abroad: ["14天内是否有境外旅居史（含港澳台）",
      "Outside the mainland in the last 14 days (Hong Kong, Macao and Taiwan count)"],
    d_promise: ["本人承诺以上信息真实准确，如有隐瞒将承担相应责任。",
      "I confirm that the above is true and complete."],
    d_submit: ["提交申报", "Submit"],
    d_done: ["申报已提交", "Declaration submitted"],
    cancel: ["取消", "Cancel"],
    yes: ["是", "Yes"],
    no: ["否", "No"],
    none: ["无", "None"],
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
  var noCode = false; // the last answer was 404 no_code: the empty state, no polling
  var lastStatus = null; // {key, at, kind}: re-worded when the language changes
  var SYMPTOMS = ["fever", "cough", "sore_throat", "fatigue", "loss_of_taste_or_smell",
    "shortness_of_breath", "diarrhoea"]; // chalicelib/declarations/rules.py

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

  function untilWords(ends) {
    var key = "ends_" + ends;
    return ends && Y.t(key) !== key ? Y.t(key) : Y.t("until_open");
  }

  function pendingAction(code) {
    if (code.required_action) return code.required_action;
    var withAction = (code.reasons || []).filter(function (r) { return r.required_action; });
    return withAction.length ? withAction[0].required_action : null;
  }

  function render() {
    renderStatus();
    if (noCode) { renderNoCode(); return; }
    if (!shown) return;
    var code = shown.code;
    $("app").hidden = false;
    $("no-code").hidden = true;
    $("code-card").hidden = false;
    $("reasons-panel").hidden = false;
    $("declare-again").hidden = person !== "self";
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
        : untilWords(reason.ends);
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

  /* No code yet: the way to declare, and the itinerary card, which needs no code. */
  function renderNoCode() {
    $("app").hidden = false;
    $("code-card").hidden = true;
    $("reasons-panel").hidden = true;
    $("action").hidden = true;
    $("no-code").hidden = !$("declare").hidden;
    renderCard(noCode.itinerary);
  }

  function renderCard(card) {
    $("card").hidden = person !== "self";
    $("card-none").hidden = !!card;
    $("card-body").hidden = !card;
    $("card-phone").textContent = card ? card.phone_masked : "";
    var cities = $("cities"), countries = $("countries");
    cities.replaceChildren();
    countries.replaceChildren();
    if (!card) return;
    if (!(card.cities || []).length) cities.appendChild(Y.el("li", { class: "none", text: Y.t("none") }));
    if (!(card.countries || []).length) {
      countries.appendChild(Y.el("li", { class: "none", text: Y.t("none") }));
    }
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

  /* The status line, kept as a key and a time so that it follows the language switch. */
  function status(key, kind, at) {
    lastStatus = { key: key, kind: kind, at: at || null };
    renderStatus();
  }
  function renderStatus() {
    var line = $("status-line");
    if (!lastStatus) { line.textContent = ""; return; }
    var text = Y.t(lastStatus.key);
    if (lastStatus.key === "error") text = lastStatus.at;
    else if (lastStatus.at) text += (lastStatus.key === "offline" ? "" : " ") + Y.localTime(lastStatus.at);
    line.textContent = text;
    line.setAttribute("data-kind", lastStatus.kind);
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
      noCode = false;
      localStorage.setItem(cacheKey(), JSON.stringify(answer));
      status("online", "online", new Date());
      render();
    } catch (exc) {
      if (!(exc instanceof Y.ApiError)) throw exc;
      var saved = null;
      try { saved = JSON.parse(localStorage.getItem(cacheKey()) || "null"); } catch (e) { saved = null; }
      if (saved && (!shown || shown.saved_at <= saved.saved_at)) shown = saved;
      if (exc.offline()) {
        if (shown) status("offline", "offline", new Date(shown.saved_at));
      } else if (exc.status === 401) {
        session.clear();
        $("signin").hidden = false;
        if (shown) status("signed_out", "offline");
      } else if (exc.status === 404) {
        // no code yet (no_code), or no such person: nothing to poll for until the
        // citizen declares; a saved code of before is not shown as if current
        shown = null;
        noCode = { itinerary: person === "self" ? await itinerary(token) : null };
        status("no_code", "empty");
      } else {
        status("error", "error", exc.message);
      }
      render();
      if (exc.status === 401 || exc.status === 404) return;
    }
    var untilExpiry = shown ? new Date(shown.code.expires_at).getTime() - Date.now() - 30000 : 0;
    var wait = Math.max(2000, Math.min(POLL_SECONDS * 1000, untilExpiry));
    timer = setTimeout(refresh, wait);
  }

  async function itinerary(token) {
    try { return await Y.call("GET", "itinerary", { token: token }); } catch (exc) { return null; }
  }

  // --- the declaration form (POST /v1/declarations, for the caller) ------------------------

  var regionPicker = null;
  function buildDeclareForm() {
    var box = $("d-symptoms");
    box.replaceChildren();
    SYMPTOMS.forEach(function (code) {
      var input = Y.el("input", { type: "checkbox", name: "symptoms", value: code, id: "d-s-" + code });
      box.appendChild(Y.el("label", { for: "d-s-" + code }, [input, " ",
        Y.el("span", { "data-label": code, text: Y.label(code) })]));
    });
    regionPicker = Y.regionPicker({ id: "d-residence_region", name: "residence_region",
      required: true, label: Y.t("d_region") });
    $("d-region-slot").replaceWith(regionPicker);
  }
  function openDeclare(open) {
    $("declare").hidden = !open;
    $("no-code").hidden = open || !noCode;
    if (open) $("d-name").focus();
  }
  async function submitDeclaration(event) {
    event.preventDefault();
    var form = $("declare-form");
    var body = {
      name: form.elements.name.value.trim(),
      id_number: form.elements.id_number.value.trim().toUpperCase(),
      phone: form.elements.phone.value.trim(),
      residence_region: form.elements.residence_region.value.trim(),
      address: form.elements.address.value.trim(),
      symptoms: Array.prototype.filter.call(form.querySelectorAll("[name=symptoms]"),
        function (box) { return box.checked; }).map(function (box) { return box.value; }),
      contact_with_confirmed: form.elements.contact_with_confirmed.value === "yes",
      abroad_14d: form.elements.abroad_14d.value === "yes",
    };
    $("declare-error").textContent = "";
    try {
      await Y.call("POST", "declarations", { token: session.token(), body: body });
      openDeclare(false);
      noCode = false;
      person = "self";
      await loadPeople();
      refresh();
    } catch (exc) {
      $("declare-error").textContent = (exc.field ? exc.field + ": " : "") + exc.message;
    }
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
    buildDeclareForm();
    $("declare-open").addEventListener("click", function () { openDeclare(true); });
    $("declare-again").addEventListener("click", function () { openDeclare(true); });
    $("declare-cancel").addEventListener("click", function () { openDeclare(false); });
    $("declare-form").addEventListener("submit", submitDeclaration);
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
