/* The map page: zones of the chosen day, coloured by who held them (fill) and their standing under
   the ceasefire (outline); incidents of the 7 days to that day as clustered markers; a slider that
   replays the map day by day. Data comes from the server only (/map/*.json); no tiles unless the
   server is configured with a tile URL. No inline script: the page passes its data in data-* attributes. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var data = el.dataset;
  var lang = document.documentElement.lang || "en";
  var DAY = 86400000;
  var start = Date.parse(data.start + "T00:00:00Z");
  var end = Date.parse(data.end + "T00:00:00Z");
  var slider = document.getElementById("day");
  var shown = document.getElementById("day-shown");
  var status = document.getElementById("map-status");
  var legend = document.getElementById("legend");
  var zonesBody = document.querySelector("#zones-table tbody");
  var classes = JSON.parse(data.tClasses);
  var typeNames = JSON.parse(data.tTypes);
  var dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" });
  var PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#332288",
    "#88ccee", "#117733", "#999933", "#aa4499", "#44aa99", "#882255", "#6699cc", "#ddcc77"];
  var OUTLINE = {
    ceasefire: { color: "#1a7f37", dashArray: null },
    excluded: { color: "#b31b1b", dashArray: "6 4" },
    mixed: { color: "#6f42c1", dashArray: "2 4" },
    not_covered: { color: "#57606a", dashArray: "10 3 2 3" }
  };

  var map = L.map(el, { zoomSnap: 0.5, minZoom: 5, maxZoom: 16 }).setView([35.0, 38.6], 7);
  map.attributionControl.setPrefix(false);
  if (data.tiles) {
    L.tileLayer(data.tiles, { attribution: data.tilesCredit || "", maxZoom: 18 }).addTo(map);
  }
  var outlines = L.geoJSON(null, { interactive: false, style: { color: "#3d444d", weight: 1, fill: false } }).addTo(map);
  var zones = L.geoJSON(null, { style: zoneStyle, onEachFeature: describeZone }).addTo(map);
  var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 });
  map.addLayer(cluster);
  var zoneCache = {};
  var incidents = null;
  var markers = {};
  var asked = 0;

  function colourOf(key) {
    var h = 0;
    for (var i = 0; i < key.length; i++) { h = (h * 31 + key.charCodeAt(i)) >>> 0; }
    return PALETTE[h % PALETTE.length];
  }
  function localName(c) { return (c.names && (c.names[lang] || (lang === "fa" && c.names.ar))) || c.name; }
  function slug(text) { return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""); }
  function iso(ms) { return new Date(ms).toISOString().slice(0, 10); }
  function text(tag, content) { var n = document.createElement(tag); n.textContent = content; return n; }

  function zoneStyle(feature) {
    var p = feature.properties;
    var first = p.controllers.length ? p.controllers[0].key : "";
    var outline = OUTLINE[p["class"]] || OUTLINE.not_covered;
    return {
      className: "zone zone-" + slug(p.name),
      fillColor: colourOf(first), fillOpacity: 0.35,
      color: outline.color, weight: 2, dashArray: outline.dashArray
    };
  }
  function describeZone(feature, layer) {
    var p = feature.properties;
    var box = document.createElement("div");
    box.appendChild(text("strong", p.name));
    box.appendChild(text("div", data.tHeld + ": " + p.controllers.map(localName).join(", ")));
    box.appendChild(text("div", classes[p["class"]] || p["class"]));
    layer.bindPopup(box);
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }
  function zonesOn(day) {
    if (!zoneCache[day]) { zoneCache[day] = getJSON("/map/zones.json?on=" + day); }
    return zoneCache[day];
  }

  function drawZones(collection) {
    zones.clearLayers();
    zones.addData(collection);
    legend.textContent = "";
    zonesBody.textContent = "";
    var seen = {};
    collection.features.forEach(function (f) {
      var p = f.properties;
      var row = document.createElement("tr");
      row.dataset.zone = p.name;
      row.dataset.colour = colourOf(p.controllers.length ? p.controllers[0].key : "");
      row.appendChild(text("td", p.name));
      row.appendChild(text("td", p.controllers.map(localName).join(", ")));
      row.appendChild(text("td", classes[p["class"]] || p["class"]));
      zonesBody.appendChild(row);
      p.controllers.forEach(function (c) {
        if (seen[c.key]) { return; }
        seen[c.key] = true;
        var item = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.backgroundColor = colourOf(c.key);
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(localName(c)));
        legend.appendChild(item);
      });
    });
  }

  function drawIncidents(day) {
    cluster.clearLayers();
    markers = {};
    var last = Date.parse(day + "T00:00:00Z");
    var first = iso(last - 6 * DAY);
    var shownNow = incidents.filter(function (i) { return i.day >= first && i.day <= day; });
    var layers = shownNow.map(function (i) {
      var title = data.tIncident + " #" + i.id + ": " + (typeNames[i.violation_type] || i.violation_type);
      var marker = L.marker([i.latitude, i.longitude], { title: title, alt: title, keyboard: true });
      var box = document.createElement("div");
      var link = text("a", title);
      link.href = "/incidents/" + i.id;
      box.appendChild(link);
      box.appendChild(text("div", dateFormat.format(Date.parse(i.day + "T00:00:00Z")) + " · " + i.reports + " " + data.tReports));
      marker.bindPopup(box);
      markers[i.id] = marker;
      return marker;
    });
    cluster.addLayers(layers);
    return shownNow.length;
  }

  function show(day) {
    var mine = ++asked;
    shown.textContent = dateFormat.format(Date.parse(day + "T00:00:00Z"));
    status.textContent = data.tLoading;
    return zonesOn(day).then(function (collection) {
      if (mine !== asked) { return; }
      drawZones(collection);
      var n = drawIncidents(day);
      status.textContent = data.tIncidents.replace("{n}", n).replace("{day}", shown.textContent)
        .replace("{z}", collection.features.length);
      el.dataset.shown = day;
      if (history.replaceState) {
        var url = new URL(window.location.href);
        url.searchParams.set("on", day);
        history.replaceState(null, "", url);
      }
    }).catch(function () { status.textContent = data.tFailed; });
  }

  function dayOfSlider() { return iso(start + Number(slider.value) * DAY); }

  function focusIncident(id) {
    var marker = markers[id];
    if (!marker) { return; }
    map.setView(marker.getLatLng(), 11, { animate: false });
    L.popup().setLatLng(marker.getLatLng()).setContent(marker.getPopup().getContent()).openOn(map);
  }

  slider.addEventListener("input", function () { show(dayOfSlider()); });
  var playing = null;
  document.getElementById("play").addEventListener("click", function (event) {
    var button = event.currentTarget;
    if (playing) { clearInterval(playing); playing = null; button.setAttribute("aria-pressed", "false"); return; }
    if (Number(slider.value) >= Number(slider.max)) { slider.value = "0"; }
    button.setAttribute("aria-pressed", "true");
    playing = setInterval(function () {
      if (Number(slider.value) >= Number(slider.max)) {
        clearInterval(playing); playing = null; button.setAttribute("aria-pressed", "false"); return;
      }
      slider.value = String(Number(slider.value) + 1);
      show(dayOfSlider());
    }, 400);
  });

  Promise.all([
    getJSON("/map/governorates.json"),
    getJSON("/map/incidents.json?since=" + iso(start - 6 * DAY) + "&until=" + iso(end))
  ]).then(function (found) {
    outlines.addData(found[0]);
    map.fitBounds(outlines.getBounds(), { padding: [8, 8] });
    incidents = found[1].incidents;
    return show(data.day);
  }).then(function () {
    if (data.incident) { focusIncident(Number(data.incident)); }
    el.dataset.readyAt = String(Math.round(performance.now()));
    el.dataset.ready = "true";
  }).catch(function () { status.textContent = data.tFailed; });
}());
