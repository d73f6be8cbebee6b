// The console's behaviour: live board and timeline through server-sent events,
// and the as-of slider. Plain JavaScript, no build step; pages work without it.
"use strict";

function fetchInto(element, url) {
  return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
    .then(function (response) { return response.text(); })
    .then(function (html) { element.innerHTML = html; });
}

function withParam(url, name, value) {
  return url + (url.indexOf("?") >= 0 ? "&" : "?") + name + "=" + encodeURIComponent(value);
}

function liveBoard(board) {
  var status = document.getElementById("live-status");
  var source = new EventSource(board.dataset.stream);
  var pending = null;
  var latest = 0;
  source.onopen = function () { if (status) status.textContent = "Live updates: on"; };
  source.onerror = function () { if (status) status.textContent = "Live updates: reconnecting…"; };
  source.onmessage = function (message) {
    latest = Math.max(latest, Number(message.lastEventId) || 0);
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      var url = withParam(board.dataset.rows, "min_position", latest);
      fetchInto(board, url).then(function () {
        board.dataset.refreshed = String(latest);
        if (status) status.textContent = "Live updates: on (refreshed at log position " + latest + ")";
      });
    }, 150);
  };
}

function liveTicket(ticket) {
  var version = Number(ticket.dataset.version);
  var timeline = document.getElementById("timeline");
  var source = new EventSource(ticket.dataset.stream);
  source.onmessage = function (message) {
    var event = JSON.parse(message.data);
    var slider = document.getElementById("asof-slider");
    if (slider && event.version > Number(slider.max)) slider.max = String(event.version);
    if (event.version > version) {
      var stale = document.getElementById("stale");
      var what = document.getElementById("stale-what");
      if (what) what.textContent = "v" + event.version + " " + event.event_type + " by " + event.actor.id;
      if (stale) stale.hidden = false;
    }
    if (timeline && ticket.dataset.timeline) {
      fetchInto(timeline, ticket.dataset.timeline).then(function () {
        timeline.dataset.version = String(event.version);
      });
    }
  };
}

function asOfSlider(ticket) {
  var slider = document.getElementById("asof-slider");
  var label = document.getElementById("asof-label");
  var target = document.getElementById("asof");
  if (!slider || !target || !ticket.dataset.asof) return;
  var timer = null;
  slider.addEventListener("input", function () {
    if (label) label.textContent = slider.value;
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetchInto(target, withParam(ticket.dataset.asof, "version", slider.value)).then(function () {
        target.dataset.version = slider.value;
      });
    }, 120);
  });
}

document.addEventListener("DOMContentLoaded", function () {
  var board = document.getElementById("board");
  if (board && window.EventSource) liveBoard(board);
  var ticket = document.getElementById("ticket");
  if (ticket) {
    if (window.EventSource) liveTicket(ticket);
    asOfSlider(ticket);
  }
});
