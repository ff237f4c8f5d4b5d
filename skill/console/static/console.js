// Keeps the request list current without reloading the page: fetches the rows every two seconds.
(function () {
  "use strict";
  var rows = document.getElementById("approval-rows");
  if (!rows) {
    return;
  }
  var source = rows.getAttribute("data-refresh");
  var status = document.getElementById("live-status");
  var last = null;
  var interval = 2000;

  function ids(container) {
    var found = {};
    container.querySelectorAll("tr[data-id]").forEach(function (row) {
      found[row.getAttribute("data-id")] = true;
    });
    return found;
  }

  function say(text) {
    if (status && status.textContent !== text) {
      status.textContent = text;
    }
  }

  function replace(html) {
    var before = ids(rows);
    var focused = rows.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
    rows.innerHTML = html;
    var count = 0;
    rows.querySelectorAll("tr[data-id]").forEach(function (row) {
      count += 1;
      if (last !== null && !before[row.getAttribute("data-id")]) {
        row.classList.add("new");
      }
    });
    if (focused) {
      var again = rows.querySelector('a[href="' + focused.replace(/"/g, "") + '"]');
      if (again) {
        again.focus();
      }
    }
    say(count === 1 ? "1 request shown; the list updates by itself." : count + " requests shown; the list updates by itself.");
  }

  function refresh() {
    fetch(source, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.status === 401) {
          window.location.reload();
          return null;
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (html !== null && html !== last) {
          replace(html);
          last = html;
        }
      })
      .catch(function () {
        say("Live updates paused: the console did not answer. Retrying.");
      })
      .finally(function () {
        window.setTimeout(refresh, interval);
      });
  }

  window.setTimeout(refresh, interval);
})();
