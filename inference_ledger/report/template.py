"""The report's HTML template (kept in Python so it ships inside the package)."""

# HTML table rows with their Jinja expressions read best unwrapped.
# ruff: noqa: E501

from __future__ import annotations

from typing import Any

import jinja2

TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Inference Ledger ops report {{ week }}</title>
<style>
  :root { --ok:#2e7d32; --warn:#f0a400; --crit:#c62828; --unk:#9e9e9e; --ink:#222; }
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink);
         margin: 0; background: #f4f5f7; }
  header { background: #1f2a3a; color: #fff; padding: 18px 32px; }
  header h1 { margin: 0; font-size: 22px; }
  header p { margin: 4px 0 0; color: #c8d0dc; font-size: 13px; }
  main { max-width: 1120px; margin: 0 auto; padding: 20px 24px 40px; }
  section { background: #fff; border-radius: 8px; padding: 16px 20px; margin: 16px 0;
            box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  h2 { font-size: 17px; margin: 0 0 12px; }
  h3 { font-size: 14px; margin: 14px 0 6px; color: #444; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(230px, 1fr)); gap: 12px; }
  .two { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
  .mode { display: flex; gap: 12px; align-items: center; border: 1px solid #e3e3e3;
          border-radius: 8px; padding: 10px 12px; }
  .mode strong { display: block; font-size: 14px; }
  .mode .detail { font-size: 12px; color: #555; }
  .mode svg.light { flex-shrink: 0; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
           font-weight: 600; color: #fff; background: var(--unk); text-transform: capitalize; }
  .status-healthy .badge, .badge.status-healthy { background: var(--ok); }
  .status-warning .badge, .badge.status-warning { background: var(--warn); color: #222; }
  .status-critical .badge, .badge.status-critical { background: var(--crit); }
  .kpis { display: flex; gap: 28px; flex-wrap: wrap; margin-bottom: 8px; }
  .kpi b { display: block; font-size: 20px; }
  .kpi small { color: #666; }
  svg.chart { width: 100%; height: auto; display: block; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eee; }
  th { color: #555; font-weight: 600; background: #fafafa; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .nodata { color: #888; font-style: italic; }
  .verdict { font-size: 15px; }
  footer { color: #777; font-size: 12px; text-align: center; }
</style>
</head>
<body>
<header>
  <h1>Inference Ledger &mdash; weekly ops report {{ week }}</h1>
  <p>Week of {{ week_start }} to {{ week_end }} (UTC) &middot; generated {{ generated_at }}</p>
</header>
<main>

<section id="failure-modes">
  <h2>Failure modes</h2>
  <div class="grid">
  {% for light in lights %}
    <div class="mode status-{{ light.status }}" id="mode-{{ light.key }}"
         data-status="{{ light.status }}">
      {{ light.svg }}
      <div><strong>{{ light.name }}</strong>
        <span class="badge">{{ light.status }}</span><br><span class="detail">{{ light.detail }}</span></div>
    </div>
  {% endfor %}
  </div>
</section>

<section id="cost-per-outcome">
  <h2>Cost per outcome</h2>
  {% if cpo_week is not none %}
  <div class="kpis">
    <div class="kpi"><b>${{ "%.4f"|format(cpo_week) }}</b><small>cost per outcome this week</small></div>
    {% if cpo_change is not none %}
    <div class="kpi"><b>{{ "%+.1f"|format(cpo_change * 100) }}%</b><small>vs previous week</small></div>
    {% endif %}
    <div class="kpi"><b>${{ "{:,.0f}".format(cost_week) }}</b><small>total cost</small></div>
    <div class="kpi"><b>{{ "{:,}".format(outcomes_week|int) }}</b><small>committed outcomes</small></div>
  </div>
  {% endif %}
  {{ charts.cost_per_outcome or nodata }}
</section>

<section id="control-surface">
  <h2>Control surface</h2>
  <div class="two">
    <div>
      <h3>Weekly hidden-recompute ratio
        <span class="badge status-{{ hidden_status }}" id="hidden-status">{{ hidden_status }}</span></h3>
      {{ charts.hidden_recompute or nodata }}
    </div>
    <div>
      <h3>Cost by trigger</h3>
      {{ charts.cost_by_trigger or nodata }}
      {% if triggers %}
      <table><tr><th>trigger</th><th class="num">cost share</th><th>hidden</th><th>investigate</th></tr>
      {% for t in triggers %}
        <tr><td>{{ t.trigger_type }}</td>
          <td class="num">{{ fmt("share", t.cost_share) }}</td>
          <td>{{ "yes" if t.is_hidden else "" }}</td>
          <td>{% if t.is_investigate %}<span class="badge status-critical">investigate</span>{% endif %}</td></tr>
      {% endfor %}
      </table>
      {% endif %}
    </div>
  </div>
</section>

<section id="margin">
  <h2>Margin and the 10x test</h2>
  {% if tenx %}
  {% set headline = tenx[0] %}
  <p class="verdict" id="verdict" data-verdict="{{ headline.verdict }}">
    <span class="badge status-{{ {'improve': 'healthy', 'flat': 'warning', 'collapse': 'critical'}.get(headline.verdict, 'unknown') }}">{{ headline.verdict or "not enough data" }}</span>
    Elasticity {{ "%.2f"|format(headline.elasticity) if headline.elasticity is not none else "n/a" }}
    ({{ headline.scope }}): {{ verdict_text.get(headline.verdict, "too few points to say") }}.</p>
  <table><tr><th>scope</th><th class="num">elasticity</th><th>verdict</th>
    {% if "projected_cost_10x" in headline %}<th class="num">projected cost at 10x</th>{% endif %}
    {% if "points" in headline %}<th class="num">points</th>{% endif %}
    {% if "r_squared" in headline %}<th class="num">fit R&sup2;</th>{% endif %}</tr>
  {% for r in tenx %}
    <tr><td>{{ r.scope }}</td>
      <td class="num">{{ "%.2f"|format(r.elasticity) if r.elasticity is not none else "n/a" }}</td>
      <td>{{ r.verdict or "n/a" }}</td>
      {% if "projected_cost_10x" in r %}<td class="num">{{ money(r.projected_cost_10x) if r.projected_cost_10x is not none else "n/a" }}</td>{% endif %}
      {% if "points" in r %}<td class="num">{{ r.points }}</td>{% endif %}
      {% if "r_squared" in r %}<td class="num">{{ "%.2f"|format(r.r_squared) if r.r_squared is not none else "n/a" }}</td>{% endif %}</tr>
  {% endfor %}
  </table>
  {% if tenx_more %}<p class="nodata">and {{ tenx_more }} more scopes with lower elasticity.</p>{% endif %}
  {% else %}{{ nodata }}{% endif %}
  <div class="two">
    <div>
      <h3>Cache hit rate by week
        <span class="badge status-{{ cache_status }}">{{ cache_status }}</span></h3>
      {{ charts.cache_hit_rate or nodata }}
    </div>
    <div>
      <h3>Gross margin by tenant{% if margins %} ({{ margins[0].month_start }}){% endif %}</h3>
      {% if margins %}
      <table><tr><th>tenant</th><th class="num">revenue</th><th class="num">cost</th>
        <th class="num">gross margin</th><th class="num">cache hit</th></tr>
      {% for m in margins %}
        <tr><td>{{ m.tenant_id }}</td>
          <td class="num">{{ "${:,.0f}".format(m.revenue_usd) if m.revenue_usd is not none else "unknown" }}</td>
          <td class="num">{{ money(m.total_cost_usd) if m.total_cost_usd is not none else "n/a" }}</td>
          <td class="num">{{ fmt("pct", m.gross_margin_pct) }}</td>
          <td class="num">{{ fmt("rate", m.cache_hit_rate) }}</td></tr>
      {% endfor %}
      </table>
      {% if margins_more %}<p class="nodata">and {{ margins_more }} more tenants with higher margins.</p>{% endif %}
      {% else %}{{ nodata }}{% endif %}
    </div>
  </div>
</section>

<section id="operations">
  <h2>Operations</h2>
  <div class="two">
    <div><h3>Latency percentiles{% if latency %} by {{ latency[0].by }}{% endif %}</h3>{{ charts.latency or nodata }}</div>
    <div><h3>Retry rate{% if retry %} by {{ retry[0].by }}{% endif %}</h3>{{ charts.retry_rate or nodata }}</div>
  </div>
  <div class="two">
    <div>
      <h3>Tool success</h3>
      {% if tools %}
      <table><tr><th>tool</th><th class="num">calls</th><th class="num">success</th>
        <th class="num">p95 latency</th><th>status</th></tr>
      {% for t in tools %}
        <tr><td>{{ t.tool_name }}</td><td class="num">{{ "{:,}".format(t.calls|int) }}</td>
          <td class="num">{{ fmt("success_rate", t.success_rate) }}</td>
          <td class="num">{{ fmt("latency_ms", t.p95_latency_ms) if t.p95_latency_ms is not none else "n/a" }}</td>
          <td><span class="badge status-{{ t.status }}">{{ t.status }}</span></td></tr>
      {% endfor %}
      </table>
      {% else %}{{ nodata }}{% endif %}
    </div>
    <div>
      <h3>Escalation</h3>
      {% if escalation %}
      <p id="escalation">Escalation rate {{ fmt("escalation_rate", escalation.value) }}
        <span class="badge status-{{ escalation.status }}">{{ escalation.status }}</span>
        (period {{ escalation.period_start }})</p>
      {% else %}{{ nodata }}{% endif %}
    </div>
  </div>
</section>

<section id="audit">
  <h2>Audit completeness
    <span class="badge status-{{ audit_status }}">{{ audit_status }}</span></h2>
  {% if audit %}
  <p>{{ "{:,}".format(audit.t1_outputs|int) }} of {{ "{:,}".format(audit.outputs|int) }} outputs
    this week carry trace id, model version, prompt version and context hash
    ({{ fmt("completeness_rate", audit.completeness_rate) }}).</p>
  {% endif %}
  <h3>Top audit gaps</h3>
  {% if gaps %}
  <table><tr><th>missing element</th><th class="num">outputs</th><th>example output</th></tr>
  {% for g in gaps %}
    <tr><td>{{ g.element }}</td><td class="num">{{ "{:,}".format(g.outputs) }}</td>
      <td><code>{{ g.example_output_id }}</code></td></tr>
  {% endfor %}
  </table>
  {% else %}{{ nodata }}{% endif %}
</section>

<section id="data-quality">
  <h2>Data quality</h2>
  {% if dq %}
  <p>Run <code>{{ dq_run }}</code>: {{ dq|length - dq_failed|length }} of {{ dq|length }}
    expectations passed; {{ dq_failed|selectattr("severity", "equalto", "error")|list|length }}
    error and {{ dq_failed|rejectattr("severity", "equalto", "error")|list|length }} warning
    failures.</p>
  {% if dq_failed %}
  <table><tr><th>suite</th><th>expectation</th><th>severity</th><th class="num">observed</th>
    <th class="num">unexpected</th></tr>
  {% for r in dq_failed %}
    <tr><td>{{ r.suite }}</td><td>{{ r.expectation }}</td>
      <td><span class="badge status-{{ 'critical' if r.severity == 'error' else 'warning' }}">{{ r.severity }}</span></td>
      <td class="num">{{ r.observed_value if r.observed_value is not none else "" }}</td>
      <td class="num">{{ r.unexpected_count if r.unexpected_count is not none else "" }}</td></tr>
  {% endfor %}
  </table>
  {% endif %}
  {% else %}{{ nodata }}{% endif %}
</section>

<section id="metric-health">
  <h2>All metrics</h2>
  {% if health %}
  <table><tr><th>metric</th><th>scope</th><th>grain</th><th>period</th><th class="num">value</th>
    <th class="num">warning</th><th class="num">critical</th><th>status</th></tr>
  {% for h in health %}
    <tr><td>{{ h.metric }}</td><td>{{ h.scope }}</td><td>{{ h.grain or "" }}</td><td>{{ h.period_start }}</td>
      <td class="num">{{ fmt(h.metric, h.value) }}</td>
      <td class="num">{{ fmt(h.metric, h.warning_threshold) if h.warning_threshold is not none else "" }}</td>
      <td class="num">{{ fmt(h.metric, h.critical_threshold) if h.critical_threshold is not none else "" }}</td>
      <td><span class="badge status-{{ h.status }}">{{ h.status }}</span></td></tr>
  {% endfor %}
  </table>
  {% else %}{{ nodata }}{% endif %}
</section>

<footer>Inference Ledger &middot; figures from the published marts; bands from the metric
  thresholds seed.</footer>
</main>
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.ChainableUndefined)
_TEMPLATE = _ENV.from_string(TEMPLATE)
NO_DATA = '<p class="nodata">no data</p>'


def render(context: dict[str, Any]) -> str:
    from markupsafe import Markup

    return _TEMPLATE.render(nodata=Markup(NO_DATA), **context)
