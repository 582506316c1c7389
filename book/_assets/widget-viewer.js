/* Kernel-free viewer for the ipywidgets embedded in the book's pages.
 *
 * A chapter notebook is executed with its widget state stored (scripts/execute_notebooks.py);
 * myst-nb writes that state into the page as
 *   <script type="application/vnd.jupyter.widget-state+json">  (all models)
 *   <script type="application/vnd.jupyter.widget-view+json">   (one per displayed widget)
 * and adds this file (nb_ipywidgets_js in _config.yml) only to pages that have such state.
 *
 * Two renderers, one per page, never both:
 * 1. Default: this viewer (12 KB). It renders the core widgets the book uses
 *    (fscnn_lib.widgets.stack_explorer: a slider tied to a Stack of images by jslink) and a
 *    few more (boxes, Tab/Accordion, sliders, Dropdown, Label/HTML, Output), and runs
 *    jslink/jsdlink in the browser, so moving a slider changes the frame with no kernel.
 *    Every frame gets an alt text naming the frame and the slider setting that shows it,
 *    after stack_explorer's `alt` description when there is one (imageAlt below).
 *    The official @jupyter-widgets/html-manager weighs 1.6 to 4.4 MB; with the theme and
 *    MathJax it would break the book's 3 MB page budget, so pages whose widgets are all
 *    supported never load it (nor require.js).
 * 2. Fallback: when a displayed widget uses a model this viewer has no view for (a
 *    ColorPicker, ToggleButtons, ...), the viewer renders nothing itself; after the page
 *    and MathJax have loaded it installs a MathJax 2 `MathJax.Hub.Queue` -> MathJax 3
 *    `typesetPromise` shim (html-manager 1.0.x typesets labels through MathJax 2's API),
 *    then loads require.js 2.3.4 and html-manager 1.0.6's dist/embed-amd.js from the site
 *    itself (_static/npm/, vendored from npm by scripts/vendor_assets.py; URLs relative to
 *    this script, so they work from any page depth; no CDN, no SRI), and embed-amd.js
 *    renders every widget view of the page (a .widget-subarea before each view script).
 *    require.js paths point its bundles at their Font Awesome fonts, vendored too. Such a
 *    chapter page weighs about 7.3 MB: the browser test's 3 MB budget flags it.
 *    Should the fallback fail to load, the viewer renders the page itself and shows each
 *    unknown widget as a note that it needs a live kernel.
 * <html data-fscnn-widgets="rendered"> marks the end of either path (the browser test waits
 * for it); data-fscnn-widget-renderer says which one ran ("viewer" or "html-manager").
 */
(function () {
  "use strict";

  var STATE_TYPE = "application/vnd.jupyter.widget-state+json";
  var VIEW_TYPE = "application/vnd.jupyter.widget-view+json";
  var PREFIX = "IPY_MODEL_";
  /* Models with no view of their own, which the viewer handles or may ignore. */
  var PLUMBING = /^(Layout|[A-Za-z]*Style|Link|DirectionalLink)Model$/;
  /* The folder this script was served from (the site's _static/), at any page depth. */
  var SCRIPT = document.currentScript ||
    Array.prototype.slice.call(document.querySelectorAll('script[src*="widget-viewer.js"]')).pop();
  var BASE = new URL(".", SCRIPT && SCRIPT.src ? SCRIPT.src : document.baseURI).href;
  var REQUIRE_JS = "npm/requirejs/require.js";
  var MANAGER_DIR = "npm/@jupyter-widgets/html-manager/dist/";
  var MANAGER_JS = MANAGER_DIR + "embed-amd.js";
  var FALLBACK_TIMEOUT_MS = 30000;

  /* ---------------------------------------------------------------- models */

  /* The defaults of @jupyter-widgets/controls for the values the viewer reads: widget state
     saved with drop_defaults (ipywidgets.embed) omits every value equal to its default. */
  var MODEL_DEFAULTS = {
    IntSliderModel: { value: 0, min: 0, max: 100, step: 1 },
    FloatSliderModel: { value: 0.0, min: 0.0, max: 100.0, step: 0.1 },
    SelectionSliderModel: { index: 0 },
  };

  function Store(raw) {
    this.models = {};
    var ids = Object.keys(raw || {});
    for (var i = 0; i < ids.length; i++) {
      var entry = raw[ids[i]];
      var state = Object.assign({}, MODEL_DEFAULTS[entry.model_name] || {}, entry.state || {});
      (entry.buffers || []).forEach(function (buffer) {
        setPath(state, buffer.path, { base64: buffer.data, encoding: buffer.encoding });
      });
      this.models[ids[i]] = { id: ids[i], name: entry.model_name, state: state, listeners: {} };
    }
  }

  function setPath(obj, path, value) {
    for (var i = 0; i < path.length - 1; i++) {
      if (obj[path[i]] === undefined || obj[path[i]] === null) {
        obj[path[i]] = {};
      }
      obj = obj[path[i]];
    }
    obj[path[path.length - 1]] = value;
  }

  Store.prototype.get = function (ref) {
    if (typeof ref !== "string") {
      return null;
    }
    var id = ref.indexOf(PREFIX) === 0 ? ref.slice(PREFIX.length) : ref;
    return this.models[id] || null;
  };

  Store.prototype.on = function (model, attr, fn) {
    (model.listeners[attr] = model.listeners[attr] || []).push(fn);
  };

  Store.prototype.set = function (model, attr, value) {
    if (model.state[attr] === value) {
      return;
    }
    model.state[attr] = value;
    (model.listeners[attr] || []).slice().forEach(function (fn) {
      fn(value);
    });
  };

  /* jslink / jsdlink: LinkModel (both ways) and DirectionalLinkModel (source -> target). */
  Store.prototype.connectLinks = function () {
    var store = this;
    Object.keys(this.models).forEach(function (id) {
      var m = store.models[id];
      if (m.name !== "LinkModel" && m.name !== "DirectionalLinkModel") {
        return;
      }
      var src = m.state.source || [];
      var dst = m.state.target || [];
      var a = store.get(src[0]);
      var b = store.get(dst[0]);
      if (!a || !b) {
        return;
      }
      store.on(a, src[1], function (v) {
        store.set(b, dst[1], v);
      });
      if (m.name === "LinkModel") {
        store.on(b, dst[1], function (v) {
          store.set(a, src[1], v);
        });
      }
      // State saved without its default values (e.g. ipywidgets.embed.embed_data with
      // drop_defaults) may lack the source value: keep the target's own value then, rather
      // than copying undefined into it (a Stack would hide every frame).
      if (a.state[src[1]] !== undefined) {
        store.set(b, dst[1], a.state[src[1]]);
      }
    });
  };

  /* ------------------------------------------------------------ helpers */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function typeset(node) {
    var mj = window.MathJax;
    if (!mj || !mj.startup || !mj.startup.promise) {
      return;
    }
    mj.startup.promise = mj.startup.promise
      .then(function () {
        return mj.typesetPromise ? mj.typesetPromise([node]) : null;
      })
      .catch(function (err) {
        console.warn("widget-viewer: MathJax could not typeset a label", err);
      });
  }

  function description(model) {
    var text = model.state.description;
    if (!text) {
      return null;
    }
    var label = el("label", "widget-label fscnn-widget-description", text);
    typeset(label);
    return label;
  }

  function applyLayout(store, model, node) {
    var layout = store.get(model.state.layout);
    if (!layout) {
      return;
    }
    var map = { width: "width", height: "height", max_width: "maxWidth", margin: "margin", padding: "padding" };
    Object.keys(map).forEach(function (key) {
      if (layout.state[key]) {
        node.style[map[key]] = layout.state[key];
      }
    });
    if (layout.state.display) {
      node.style.display = layout.state.display;
    }
  }

  /* A FloatSlider's readout: its readout_format ".Nf" (ipywidgets' default ".2f"), else
   * as many decimals as the step has. */
  function formatNumber(value, format, step) {
    if (typeof value !== "number") {
      return String(value);
    }
    var match = /\.(\d+)f$/.exec(format || "");
    var decimals;
    if (match) {
      decimals = parseInt(match[1], 10);
    } else {
      var text = String(step || 1);
      decimals = text.indexOf(".") < 0 ? 0 : text.length - text.indexOf(".") - 1;
    }
    return value.toFixed(Math.min(decimals, 10));
  }

  /* ------------------------------------------------------------ alt text */

  /* A widget label as plain words for alt text: "\\(\\varepsilon\\)" -> "ε". */
  var GREEK = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε",
    lambda: "λ", mu: "μ", nu: "ν", rho: "ρ", sigma: "σ", tau: "τ", theta: "θ",
  };
  function plainText(text) {
    return String(text || "")
      .replace(/\\[()\[\]]|\$/g, "")
      .replace(/\\([A-Za-z]+)/g, function (_, name) {
        return GREEK[name] || name;
      })
      .replace(/[{}]/g, "")
      .trim();
  }

  /* "h: 1/16" for the frame a selector shows at position `i`, read off the control
   * (slider, dropdown) whose `attr` is linked to the selector's selected_index. */
  function choiceText(control, attr, i) {
    var s = control.state;
    var labels = s._options_labels;
    var value = attr === "index" && labels ? labels[i] : i;
    var label = value === undefined ? String(i) : String(value);
    var name = plainText(s.description);
    if (!name || label.replace(/\s+/g, "").indexOf(name.replace(/\s+/g, "") + "=") === 0) {
      return label; // "h = 1/32", not "h: h = 1/32"
    }
    return label.indexOf("=") >= 0 ? name + ": " + label : name + " = " + label;
  }

  /* The alt text of each image that is a child of a Stack, Tab or Accordion tied to a
   * control by jslink/jsdlink (fscnn_lib.widgets.stack_explorer): what the figures show
   * (the control's tooltip, stack_explorer's `alt`), which frame of how many, and the
   * control's value that shows it. Computed once per store. */
  function frameAlts(store) {
    if (store.frameAlts) {
      return store.frameAlts;
    }
    var alts = (store.frameAlts = {});
    Object.keys(store.models).forEach(function (id) {
      var link = store.models[id];
      if (link.name !== "LinkModel" && link.name !== "DirectionalLinkModel") {
        return;
      }
      var ends = [link.state.source || [], link.state.target || []];
      for (var k = 0; k < 2; k++) {
        var sel = store.get(ends[k][0]);
        var ctl = store.get(ends[1 - k][0]);
        if (!sel || !ctl || ends[k][1] !== "selected_index" ||
            !/^(Stack|Tab|Accordion)Model$/.test(sel.name)) {
          continue;
        }
        var children = sel.state.children || [];
        children.forEach(function (ref, i) {
          var child = store.get(ref);
          if (child && child.name === "ImageModel" && !alts[child.id]) {
            var what = plainText(ctl.state.tooltip || ctl.state.description_tooltip);
            var frame = "frame " + (i + 1) + " of " + children.length + ", " +
              choiceText(ctl, ends[1 - k][1], i);
            alts[child.id] = what ? what + "; " + frame : "Explorer " + frame;
          }
        });
      }
    });
    return alts;
  }

  /* An image's alt text: its own tooltip, else what the explorer shows, the frame and the
   * control value that selects it, else a generic phrase (never empty). */
  function imageAlt(store, model) {
    return plainText(model.state.tooltip) || frameAlts(store)[model.id] ||
      plainText(model.state.description) || "Explorer frame";
  }

  /* -------------------------------------------------------------- views */

  var VIEWS = {};

  function box(direction) {
    return function (store, model) {
      var node = el("div", "widget-container widget-box fscnn-widget-box widget-" + direction);
      node.style.display = "flex";
      node.style.flexDirection = direction === "hbox" ? "row" : "column";
      node.style.gap = "0.25rem";
      (model.state.children || []).forEach(function (ref) {
        node.appendChild(render(store, store.get(ref)));
      });
      return node;
    };
  }
  VIEWS.VBoxModel = box("vbox");
  VIEWS.BoxModel = box("vbox");
  VIEWS.GridBoxModel = box("vbox");
  VIEWS.HBoxModel = box("hbox");

  function selector(kind) {
    return function (store, model) {
      var node = el("div", "widget-container fscnn-widget-" + kind);
      var titles = model.state.titles || [];
      var children = (model.state.children || []).map(function (ref) {
        return render(store, store.get(ref));
      });
      var buttons = [];
      if (kind !== "stack") {
        var bar = el("div", "fscnn-widget-tabbar");
        children.forEach(function (_, i) {
          var button = el("button", "fscnn-widget-tab-button", titles[i] || String(i + 1));
          button.type = "button";
          button.addEventListener("click", function () {
            store.set(model, "selected_index", i);
          });
          buttons.push(button);
          bar.appendChild(button);
        });
        node.appendChild(bar);
      }
      children.forEach(function (child) {
        node.appendChild(child);
      });
      function show(index) {
        children.forEach(function (child, i) {
          child.style.display = i === index ? "" : "none";
          if (buttons[i]) {
            buttons[i].setAttribute("aria-pressed", i === index ? "true" : "false");
          }
        });
      }
      store.on(model, "selected_index", show);
      show(model.state.selected_index);
      return node;
    };
  }
  VIEWS.StackModel = selector("stack");
  VIEWS.TabModel = selector("tab");
  VIEWS.AccordionModel = selector("accordion");

  VIEWS.ImageModel = function (store, model) {
    var img = el("img", "widget-image fscnn-widget-image");
    img.alt = imageAlt(store, model);
    function update(value) {
      var data = value && value.base64 !== undefined ? value.base64 : "";
      img.src = "data:image/" + (model.state.format || "png") + ";base64," + data;
    }
    if (model.state.width) {
      img.setAttribute("width", model.state.width);
    }
    if (model.state.height) {
      img.setAttribute("height", model.state.height);
    }
    store.on(model, "value", update);
    update(model.state.value);
    return img;
  };

  function slider(store, model, opts) {
    var node = el("div", "widget-inline-hbox widget-slider fscnn-widget-slider");
    node.style.display = "flex";
    node.style.alignItems = "center";
    node.style.gap = "0.75rem";
    var label = description(model);
    if (label) {
      node.appendChild(label);
    }
    var input = el("input", "fscnn-widget-range");
    input.type = "range";
    input.min = String(opts.min);
    input.max = String(opts.max);
    input.step = String(opts.step);
    input.disabled = !!model.state.disabled;
    input.style.flex = "1 1 auto";
    input.style.maxWidth = "24rem";
    input.setAttribute("aria-label", model.state.description || "slider");
    var readout = el("span", "widget-readout fscnn-widget-readout");
    node.appendChild(input);
    if (model.state.readout !== false) {
      node.appendChild(readout);
    }
    function show(value) {
      input.value = String(value);
      readout.textContent = opts.label(value);
      input.setAttribute("aria-valuetext", readout.textContent);
    }
    input.addEventListener("input", function () {
      store.set(model, opts.attr, opts.parse(input.value));
    });
    store.on(model, opts.attr, show);
    show(model.state[opts.attr]);
    applyLayout(store, model, node);
    return node;
  }

  VIEWS.SelectionSliderModel = function (store, model) {
    var labels = model.state._options_labels || [];
    return slider(store, model, {
      attr: "index",
      min: 0,
      max: Math.max(0, labels.length - 1),
      step: 1,
      parse: function (s) { return parseInt(s, 10); },
      label: function (i) { return labels[i] === undefined ? "" : labels[i]; },
    });
  };

  VIEWS.IntSliderModel = function (store, model) {
    var s = model.state;
    return slider(store, model, {
      attr: "value", min: s.min, max: s.max, step: s.step || 1,
      parse: function (v) { return parseInt(v, 10); },
      label: function (v) { return String(v); },
    });
  };

  VIEWS.FloatSliderModel = function (store, model) {
    var s = model.state;
    return slider(store, model, {
      attr: "value", min: s.min, max: s.max, step: s.step || 0.1,
      parse: function (v) { return parseFloat(v); },
      label: function (v) { return formatNumber(v, s.readout_format, s.step); },
    });
  };

  VIEWS.LabelModel = function (store, model) {
    var node = el("span", "widget-label fscnn-widget-label", model.state.value);
    store.on(model, "value", function (v) {
      node.textContent = v;
      typeset(node);
    });
    typeset(node);
    return node;
  };

  function html(store, model) {
    var node = el("div", "widget-html fscnn-widget-html");
    function update(v) {
      node.innerHTML = v || "";
      typeset(node);
    }
    store.on(model, "value", update);
    update(model.state.value);
    return node;
  }
  VIEWS.HTMLModel = html;
  VIEWS.HTMLMathModel = html;

  VIEWS.DropdownModel = function (store, model) {
    var node = el("div", "widget-inline-hbox widget-dropdown fscnn-widget-dropdown");
    var label = description(model);
    if (label) {
      node.appendChild(label);
    }
    var select = el("select");
    (model.state._options_labels || []).forEach(function (text, i) {
      var option = el("option", null, text);
      option.value = String(i);
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      store.set(model, "index", parseInt(select.value, 10));
    });
    store.on(model, "index", function (i) {
      select.value = String(i);
    });
    select.value = String(model.state.index);
    node.appendChild(select);
    return node;
  };

  VIEWS.OutputModel = function (store, model) {
    var node = el("div", "widget-output fscnn-widget-output");
    (model.state.outputs || []).forEach(function (out) {
      var data = out.data || {};
      if (out.output_type === "stream") {
        node.appendChild(el("pre", null, out.text));
      } else if (data["image/png"]) {
        var img = el("img");
        img.alt = "Figure output of a widget";
        img.src = "data:image/png;base64," + data["image/png"];
        node.appendChild(img);
      } else if (data["text/plain"]) {
        node.appendChild(el("pre", null, [].concat(data["text/plain"]).join("")));
      }
    });
    return node;
  };

  function render(store, model) {
    if (!model) {
      return el("span", "fscnn-widget-unsupported", "[widget state missing]");
    }
    var view = VIEWS[model.name];
    if (!view) {
      console.warn("widget-viewer: no static view for " + model.name);
      return el("span", "fscnn-widget-unsupported",
        "[" + model.name.replace(/Model$/, "") + ": run this notebook to use this control]");
    }
    return view(store, model);
  }

  /* ---------------------------------------------- fallback: html-manager */

  /* The names of the models reachable from the displayed views that no view here supports. */
  function unsupportedModels(store, rootIds) {
    var seen = {};
    var missing = {};
    function visit(value) {
      if (typeof value === "string") {
        var model = value.indexOf(PREFIX) === 0 ? store.get(value) : null;
        if (model && !seen[model.id]) {
          seen[model.id] = true;
          if (!VIEWS[model.name] && !PLUMBING.test(model.name)) {
            missing[model.name] = true;
          }
          visit(model.state);
        }
      } else if (Array.isArray(value)) {
        value.forEach(visit);
      } else if (value && typeof value === "object" && value.base64 === undefined) {
        Object.keys(value).forEach(function (key) {
          visit(value[key]);
        });
      }
    }
    rootIds.forEach(function (id) {
      visit(PREFIX + id);
    });
    return Object.keys(missing);
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () {
        reject(new Error("widget-viewer: cannot load " + src));
      };
      document.head.appendChild(script);
    });
  }

  function pageLoaded() {
    return new Promise(function (resolve) {
      if (document.readyState === "complete") {
        resolve();
      } else {
        window.addEventListener("load", resolve);
      }
    });
  }

  /* html-manager 1.0.x typesets widget labels with MathJax 2's
   * MathJax.Hub.Queue(["Typeset", MathJax.Hub, node]); the book runs MathJax 3. */
  function installMathJax2Shim() {
    var mj = window.MathJax;
    if (!mj || mj.Hub) {
      return;
    }
    mj.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (job) {
          if (typeof job === "function") {
            job();
          } else if (Array.isArray(job) && job[0] === "Typeset" && mj.typesetPromise) {
            var nodes = job[2] ? [job[2]] : undefined;
            mj.startup.promise = Promise.resolve(mj.startup.promise)
              .then(function () {
                return mj.typesetPromise(nodes);
              })
              .catch(function (err) {
                console.warn("widget-viewer: MathJax could not typeset a widget", err);
              });
          }
        });
      },
      Config: function () {},
      Register: { StartupHook: function () {}, MessageHook: function () {} },
    };
  }

  /* Resolve once embed-amd.js has put a rendered .widget-subarea before every view script. */
  function managerDone(viewScripts) {
    return new Promise(function (resolve, reject) {
      var start = Date.now();
      (function poll() {
        var done = viewScripts.every(function (script) {
          var prev = script.previousElementSibling;
          return prev && prev.classList.contains("widget-subarea") && prev.firstElementChild;
        });
        if (done) {
          resolve();
        } else if (Date.now() - start > FALLBACK_TIMEOUT_MS) {
          reject(new Error("widget-viewer: html-manager rendered no widget in " +
            FALLBACK_TIMEOUT_MS / 1000 + " s"));
        } else {
          setTimeout(poll, 50);
        }
      })();
    });
  }

  function useHtmlManager(store, views, unknown) {
    var root = document.documentElement;
    root.setAttribute("data-fscnn-widgets", "loading");
    console.info("widget-viewer: " + unknown.join(", ") +
      " not supported here; loading @jupyter-widgets/html-manager from " + BASE + MANAGER_DIR);
    var loaded = false;
    pageLoaded()
      .then(function () {
        var mj = window.MathJax;
        return mj && mj.startup && mj.startup.promise ? mj.startup.promise : null;
      })
      .then(function () {
        installMathJax2Shim();
        // define() must not exist while the page's own scripts load: require.js comes last.
        return window.requirejs ? null : loadScript(BASE + REQUIRE_JS);
      })
      .then(function () {
        // embed-amd.js holds four webpack bundles, each of which finds its fonts next to
        // its module's require.js URL (one also reads __jupyter_widgets_assets_path__):
        // map all four into the vendored dist/ folder.
        var dist = BASE + MANAGER_DIR;
        window.__jupyter_widgets_assets_path__ = dist;
        window.requirejs.config({
          paths: {
            "@jupyter-widgets/base": dist + "base",
            "@jupyter-widgets/controls": dist + "controls",
            "@jupyter-widgets/html-manager": dist + "html-manager",
            "@jupyter-widgets/html-manager/dist/libembed-amd": dist + "libembed-amd",
          },
        });
        return loadScript(BASE + MANAGER_JS);
      })
      .then(function () {
        loaded = true; // embed-amd.js renders every view of the page by itself
        return managerDone(views.filter(function (v) {
          return store.get(v.spec.model_id);
        }).map(function (v) {
          return v.script;
        }));
      })
      .then(function () {
        root.setAttribute("data-fscnn-widget-renderer", "html-manager");
        root.setAttribute("data-fscnn-widgets", "rendered");
      })
      .catch(function (err) {
        console.error(err);
        if (!loaded) {
          renderViews(store, views); // the viewer, with a note for each unknown widget
        } else {
          root.setAttribute("data-fscnn-widget-renderer", "html-manager");
          root.setAttribute("data-fscnn-widgets", "rendered");
        }
      });
  }

  /* ------------------------------------------------------------------ main */

  function renderViews(store, views) {
    views.forEach(function (view) {
      var root = el("div", "jupyter-widgets fscnn-widget");
      root.appendChild(render(store, store.get(view.spec.model_id)));
      view.script.parentNode.insertBefore(root, view.script.nextSibling);
    });
    store.connectLinks();
    document.documentElement.setAttribute("data-fscnn-widget-renderer", "viewer");
    document.documentElement.setAttribute("data-fscnn-widgets", "rendered");
  }

  function main() {
    var stateScript = document.querySelector('script[type="' + STATE_TYPE + '"]');
    if (!stateScript) {
      return;
    }
    var store;
    try {
      store = new Store(JSON.parse(stateScript.textContent).state);
    } catch (err) {
      console.error("widget-viewer: cannot read the widget state", err);
      return;
    }
    var views = [];
    document.querySelectorAll('script[type="' + VIEW_TYPE + '"]').forEach(function (script) {
      try {
        views.push({ script: script, spec: JSON.parse(script.textContent) });
      } catch (err) {
        console.error("widget-viewer: cannot read a widget view", err);
      }
    });
    var unknown = unsupportedModels(store, views.map(function (v) { return v.spec.model_id; }));
    if (unknown.length) {
      useHtmlManager(store, views, unknown);
    } else {
      renderViews(store, views);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", main);
  } else {
    main();
  }
})();
