/* The pages' service worker: keeps the pages and their scripts so that the scanner (and
 * the citizen page, with its saved code) open again without a network.
 *
 * Network first for the pages' own files, the cached copy when the network or the API
 * is down. API answers are never cached here: the scanner keeps its signed key list and
 * the citizen page its last signed code in localStorage, each checked on use.
 */
"use strict";
var CACHE = "yima-pages-v1";
var FILES = [
  "citizen.html", "citizen.js", "scanner.html", "scanner.js", "console.html", "console.js",
  "yima.js", "yima.css", "verify.js", "jsqr.js", "qrcode.js", "scanner.webmanifest", "icon.svg",
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(FILES); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var scope = self.registration.scope;
  if (request.method !== "GET" || request.url.indexOf(scope) !== 0) return; // the API: untouched
  var path = request.url.slice(scope.length).split(/[?#]/)[0];
  if (FILES.indexOf(path) < 0) return;
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(path, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(CACHE).then(function (cache) { return cache.match(path); })
      .then(function (hit) { return hit || Response.error(); });
  }));
});
