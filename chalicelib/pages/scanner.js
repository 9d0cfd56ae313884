/* The checkpoint scanner: camera → jsQR → POST /v1/verify, and offline verification.
 *
 * Every scan is checked twice: in the browser (verify.js, WebCrypto Ed25519 against the
 * cached and self-signed GET /v1/trust-list) and online. The online answer wins (its
 * colour is the current one, with the masked holder); when the network or the API is
 * down, the browser's answer is shown, marked as offline. The page and its scripts are
 * kept by the service worker (sw.js), so it opens again without a network.
 */
(function () {
  "use strict";
  var Y = window.Yima;
  var V = window.YimaVerify;
  var $ = function (id) { return document.getElementById(id); };
  var KEYS_CACHE = "yima.scanner.trust-list";

  Y.addWords({
    scan_title: ["健康码核验", "Health code check"],
    keys_title: ["离线核验密钥", "Keys for offline checks"],
    keys_ok: ["已缓存密钥 ", "Keys cached: "],
    keys_saved_at: [" 个，更新于 ", ", saved at "],
    keys_none: ["尚无缓存密钥：请联网一次", "No cached keys yet: go online once"],
    keys_bad: ["缓存的密钥未通过签名校验", "The cached key list does not verify"],
    camera_title: ["扫描健康码", "Scan a code"],
    camera_on: ["摄像头已开启，请对准二维码", "Camera on: point it at the code"],
    camera_off: ["无法使用摄像头：可手动输入", "No camera: enter the code by hand"],
    venue: ["场所编号", "Venue id"],
    manual_title: ["手动输入", "By hand"],
    token_input: ["扫码枪或粘贴码文本（YM1:…）", "Barcode reader or pasted text (YM1:…)"],
    check: ["核验", "Check"],
    id_input: ["无手机人员：身份证号", "No phone: ID card number"],
    check_id: ["按身份证核验", "Check by ID number"],
    id_unavailable: ["本服务暂不支持身份证核验", "ID-number checks are not available here"],
    next: ["继续扫码", "Next"],
    invalid: ["无效码", "Invalid code"],
    online: ["在线核验", "Checked online"],
    offline: ["离线核验（缓存密钥）", "Checked offline (cached keys)"],
    token_colour: ["码内颜色：", "Colour in the code: "],
    expires: ["码有效至 ", "Code valid until "],
    test: ["核酸 ", "Test "],
    vaccine: ["疫苗 ", "Vaccination "],
    doses: [" 剂", " doses"],
    starred: ["行程含风险城市 *", "Itinerary has a starred city"],
    sign_in_again: ["登录已过期，仅离线核验", "Signed out: offline checks only"],
    reason_wrong_prefix: ["不是一码通行的码", "Not a Yima code"],
    reason_malformed: ["码无法读取", "The code cannot be read"],
    reason_unknown_key: ["未知签发密钥", "Signed by an unknown key"],
    reason_bad_signature: ["签名不符：疑似伪造", "Bad signature: possibly forged"],
    reason_revoked_key: ["密钥已吊销", "The key is revoked"],
    reason_key_not_yet_valid: ["密钥尚未生效", "The key was not yet valid"],
    reason_key_expired: ["密钥已过期", "The key had expired"],
    reason_not_yet_valid: ["签发时间在未来", "Issued in the future"],
    reason_expired: ["码已过期，请刷新", "Expired: ask for a fresh code"],
    reason_unknown_holder: ["查无此人", "Unknown holder"],
    reason_unknown_person: ["查无此人", "Unknown person"],
    reason_untrusted_keys: ["密钥列表不可信", "The key list is not trusted"],
  });

  var session = new Y.Session("scanner");
  var keys = null;
  var busy = false;
  var lastText = null;
  var answers = 0; // how many answers were shown: data-count on the answer screen

  function showKeys(text) { $("keys-state").textContent = text; }

  async function loadKeys() {
    var fresh = null;
    try {
      fresh = await Y.call("GET", "trust-list", { timeoutMs: 4000 });
    } catch (exc) { fresh = null; }
    if (fresh) {
      var checked = await V.trustedKeys(fresh);
      if (checked.keys) {
        localStorage.setItem(KEYS_CACHE, JSON.stringify({ document: fresh,
          saved_at: new Date().toISOString() }));
      }
    }
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(KEYS_CACHE) || "null"); } catch (e) { saved = null; }
    if (!saved) { keys = null; showKeys(Y.t("keys_none")); return; }
    var result = await V.trustedKeys(saved.document); // a cache edited by hand fails here
    if (!result.keys) { keys = null; showKeys(Y.t("keys_bad")); return; }
    keys = result.keys;
    showKeys(Y.t("keys_ok") + keys.length + Y.t("keys_saved_at") +
      Y.localTime(new Date(saved.saved_at), true));
  }

  function reasonText(reason) {
    var key = "reason_" + reason;
    var text = Y.t(key);
    return text === key ? reason : text;
  }

  function show(answer, source) {
    var box = $("result");
    var valid = !!answer.valid;
    box.setAttribute("data-valid", valid ? "true" : "false");
    box.setAttribute("data-colour", valid ? (answer.colour || "pending") : "none");
    box.setAttribute("data-source", source);
    answers += 1;
    box.setAttribute("data-count", String(answers));
    $("result-colour").textContent = valid
      ? Y.t("colour_" + (answer.colour || "pending"))
      : Y.t("invalid") + "：" + reasonText(answer.reason);
    var holder = answer.holder || {};
    $("result-holder").textContent = valid
      ? [holder.name_masked, holder.id_masked].filter(Boolean).join("  ") : "";
    var detail = [];
    if (valid && answer.token_colour && answer.token_colour !== answer.colour) {
      detail.push(Y.t("token_colour") + Y.t("colour_" + answer.token_colour));
    }
    if (valid && answer.expires_at) {
      detail.push(Y.t("expires") + Y.localTime(new Date(answer.expires_at)));
    }
    if (answer.latest_test) {
      detail.push(Y.t("test") + answer.latest_test.result +
        (answer.latest_test.badge ? " · " + answer.latest_test.badge : ""));
    }
    if (answer.vaccination && answer.vaccination.doses) {
      detail.push(Y.t("vaccine") + answer.vaccination.doses + Y.t("doses"));
    }
    if (answer.itinerary_starred) detail.push(Y.t("starred"));
    if (answer.note) detail.push(answer.note);
    $("result-detail").textContent = detail.join(" · ");
    $("result-source").textContent = Y.t(source);
    box.hidden = false;
    $("next").focus();
  }

  async function check(token) {
    if (busy) return;
    busy = true;
    var local = keys
      ? V.verifyToken(token, keys, new Date())
      : Promise.resolve({ valid: false, reason: "untrusted_keys" });
    var online = null;
    var note = null;
    var auth = session.token();
    if (auth) {
      var body = { token: token };
      var venue = $("venue").value.trim();
      if (venue) body.venue_id = venue;
      try {
        online = await Y.call("POST", "verify", { token: auth, body: body, timeoutMs: 3500 });
      } catch (exc) {
        if (exc.status === 401) { session.clear(); note = Y.t("sign_in_again"); }
        else if (!exc.offline() && exc.status !== 429) note = exc.message;
      }
    } else {
      note = Y.t("sign_in_again");
    }
    if (online) {
      show(online, "online");
    } else {
      var answer = await local;
      show({
        valid: answer.valid,
        reason: answer.reason,
        colour: answer.valid ? answer.claims.colour : null,
        expires_at: answer.valid ? answer.claims.expires_at.toISOString() : null,
        note: note,
      }, "offline");
    }
  }

  async function checkId(idNumber) {
    $("id-state").textContent = "";
    try {
      var answer = await Y.call("POST", "verify/id", { token: session.token(),
        body: { id_number: idNumber } });
      show(answer, "online");
    } catch (exc) {
      $("id-state").textContent = exc.status === 404 && exc.code !== "unknown_person"
        ? Y.t("id_unavailable") : exc.message;
    }
  }

  async function startCamera() {
    var video = $("video");
    var canvas = $("frame");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    try {
      var stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" }, audio: false,
      });
      video.srcObject = stream;
      await video.play();
      $("camera-state").textContent = Y.t("camera_on");
    } catch (exc) {
      $("camera-state").textContent = Y.t("camera_off");
      return;
    }
    setInterval(function () {
      if (busy || video.readyState < 2 || !video.videoWidth) return;
      var scale = Math.min(1, 640 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height,
        { inversionAttempts: "dontInvert" });
      if (found && found.data && found.data.indexOf("YM1:") === 0) {
        lastText = found.data;
        check(found.data);
      }
    }, 200);
  }

  async function start() {
    Y.applyWords();
    Y.startClock($("clock"));
    Y.registerWorker();
    $("venue").value = localStorage.getItem("yima.scanner.venue") || "";
    $("venue").addEventListener("change", function () {
      localStorage.setItem("yima.scanner.venue", $("venue").value.trim());
    });
    $("lang").addEventListener("click", function () { Y.setLang(Y.lang() === "zh" ? "en" : "zh"); });
    $("next").addEventListener("click", function () {
      $("result").hidden = true;
      busy = false;
    });
    $("token-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var text = $("token-input").value.trim();
      $("token-input").value = "";
      if (text) check(text);
    });
    $("id-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var text = $("id-input").value.trim().toUpperCase();
      if (text) checkId(text);
    });
    $("dev-login").addEventListener("submit", async function (event) {
      event.preventDefault();
      try {
        await session.devLogin($("dev-subject").value, "checkpoint");
        $("signin").hidden = true;
      } catch (exc) {
        $("signin-error").textContent = exc.status === 404 ? Y.t("open_from_app") : exc.message;
      }
    });
    try { await session.fromFragment(); } catch (exc) { $("signin-error").textContent = exc.message; }
    $("signin").hidden = !!session.token();
    await loadKeys();
    window.addEventListener("online", loadKeys);
    startCamera();
  }

  window.YimaScanner = { lastText: function () { return lastText; }, reloadKeys: loadKeys };
  start();
})();
