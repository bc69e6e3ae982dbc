#include "panels/equation_view.h"

#include "model/outcome_terms.h"

#include <QEvent>
#include <QScrollBar>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <cmath>

namespace gsui {

using gruscope::EquationTerms;
using gruscope::GateTerms;

namespace {

QString esc(const QString& s) { return s.toHtmlEscaped(); }

// Keras docs write the recurrent activation σ (sigmoid) and the activation tanh; other choices are
// written by their Keras name.
QString functionSymbol(const std::string& name)
{
    if (name == "sigmoid")
        return QStringLiteral("σ");
    return QString::fromStdString(name.empty() ? std::string("linear") : name);
}

} // namespace

QString EquationView::formatNumber(double v)
{
    if (std::isnan(v))
        return QStringLiteral("nan");
    if (std::isinf(v))
        return v > 0 ? QStringLiteral("inf") : QStringLiteral("−inf");
    QString s;
    const double a = std::abs(v);
    if (v == 0)
        s = QStringLiteral("0");
    else if (a >= 1e-3 && a < 1e5)
        s = QString::number(v, 'f', 4);
    else
        s = QString::number(v, 'e', 3);
    if (s.startsWith(QLatin1Char('-')))
        s.replace(0, 1, QStringLiteral("−"));
    return s;
}

EquationView::EquationView(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_browser = new QTextBrowser(this);
    m_browser->setObjectName(QStringLiteral("equationBrowser"));
    m_browser->setOpenLinks(false);
    m_browser->setMinimumSize(260, 160);
    layout->addWidget(m_browser);
    m_whenShown = new ShownRefresh(this, [this] { return isVisible() && !visibleRegion().isEmpty(); }, [this] { refresh(); });
    auto request = [this] { m_whenShown->request(); };
    connect(doc, &Document::resultChanged, this, request);
    connect(doc, &Document::stepChanged, this, request);
    connect(doc, &Document::unitChanged, this, request);
    connect(doc, &Document::sampleChanged, this, request);
    refresh();
}

QString EquationView::plainText() const { return m_browser->toPlainText(); }

void EquationView::refresh()
{
    const auto out = m_doc->result();
    m_rebuiltBy = out && out->result.trace.rebuilt ? QString::fromStdString(out->result.backend) : QString();
    if (!out) {
        m_terms = EquationTerms{};
        m_terms.message = "no run yet";
    } else {
        m_terms = equationTermsFor(*out, m_doc->selectedSample(), m_doc->currentStep(), m_doc->selectedUnit());
    }
    // Keep the reader's scroll position while stepping.
    const int scroll = m_browser->verticalScrollBar() ? m_browser->verticalScrollBar()->value() : 0;
    m_browser->setHtml(html());
    if (m_browser->verticalScrollBar())
        m_browser->verticalScrollBar()->setValue(scroll);
}

QString EquationView::html() const
{
    const EquationTerms& t = m_terms;
    const QPalette pal = palette();
    const QString subdued = pal.color(QPalette::PlaceholderText).name();
    const QString accent = pal.color(QPalette::Link).name();
    auto num = [](double v) { return QStringLiteral("<b>%1</b>").arg(formatNumber(v)); };
    auto label = [&](const QString& s) { return QStringLiteral("<span style=\"color:%1\">%2</span>").arg(subdued, s); };

    QString h;
    h += QStringLiteral("<html><body style=\"white-space: normal\">");
    if (!t.valid) {
        h += QStringLiteral("<p>%1</p>").arg(esc(tr("No equation to show: %1.").arg(QString::fromStdString(t.message))));
        if (t.message == "no unit selected")
            h += QStringLiteral("<p>%1</p>").arg(label(tr("Click a cell of the gate heatmaps to pick a unit and a step.")));
        h += QStringLiteral("</body></html>");
        return h;
    }
    const QString sig = esc(functionSymbol(t.recurrentActivation));
    const QString phi = esc(functionSymbol(t.activation));
    const QString j = QString::number(t.unit);

    h += QStringLiteral("<p><b>%1</b></p>")
             .arg(esc(tr("Unit %1 · sample %2 · processing step s = %3, reading time index t = %4")
                          .arg(t.unit)
                          .arg(t.sample)
                          .arg(t.step)
                          .arg(t.timeIndex)));
    QString variant = t.resetAfter ? tr("reset_after=True: r multiplies h·R_h + b_rec after the product "
                                        "(Keras 3 and cuDNN default; bias (2, 3U): rows b_in and b_rec)")
                                   : tr("reset_after=False: r multiplies h before the product (bias (3U,), no b_rec)");
    if (!t.useBias)
        variant += tr("; use_bias=False: no biases");
    h += QStringLiteral("<p>%1<br>%2</p>")
             .arg(esc(variant),
                  label(esc(tr("σ = recurrent_activation = %1 · φ = activation = %2 · K = kernel, R = recurrent_kernel, "
                               "column %3 of each block z | r | h")
                                .arg(QString::fromStdString(t.recurrentActivation), QString::fromStdString(t.activation))
                                .arg(t.unit))));

    // The inputs of the step.
    auto vec = [&](const std::vector<double>& v, size_t maxShown) {
        QStringList parts;
        for (size_t i = 0; i < v.size() && i < maxShown; ++i)
            parts << formatNumber(v[i]);
        if (v.size() > maxShown)
            parts << QStringLiteral("… (%1 values)").arg(v.size());
        return QStringLiteral("[%1]").arg(parts.join(QStringLiteral(", ")));
    };
    h += QStringLiteral("<p>x<sub>t</sub> = %1<br>h<sub>t−1</sub>[%2] = %3 %4</p>")
             .arg(esc(vec(t.x, 8)), j, num(t.hPrevJ),
                  t.hPrev.size() <= 8 ? label(QStringLiteral("(h<sub>t−1</sub> = %1)").arg(esc(vec(t.hPrev, 8)))) : QString());

    if (!t.recomputed) {
        h += QStringLiteral("<p style=\"color:%1\">%2</p>")
                 .arg(accent, esc(tr("Training with dropout: the terms cannot be recomputed (the dropout masks are "
                                     "random and stay inside the run). The engine's values:")));
        h += QStringLiteral("<p>z = %1(%2) = %3<br>r = %1(%4) = %5<br>h~ = %6(%7) = %8</p>")
                 .arg(sig, num(t.z.pre), num(t.z.value), num(t.r.pre), num(t.r.value), phi, num(t.hh.pre), num(t.hh.value));
    } else {
        // z and r: x·K + b_in + h·R + b_rec (one bias b without reset_after).
        auto gateLine = [&](const char* g, const GateTerms& gt) {
            const QString G = QLatin1String(g);
            QStringList terms;
            terms << QStringLiteral("%1 %2").arg(label(QStringLiteral("x·K<sub>%1</sub>").arg(G)), num(gt.xK));
            if (t.useBias)
                terms << QStringLiteral("%1 %2").arg(label(t.resetAfter ? QStringLiteral("b<sub>in,%1</sub>").arg(G)
                                                                        : QStringLiteral("b<sub>%1</sub>").arg(G)),
                                                     num(gt.bIn));
            terms << QStringLiteral("%1 %2").arg(label(QStringLiteral("h·R<sub>%1</sub>").arg(G)), num(gt.hR));
            if (t.useBias && t.resetAfter)
                terms << QStringLiteral("%1 %2").arg(label(QStringLiteral("b<sub>rec,%1</sub>").arg(G)), num(gt.bRec));
            QString value = num(gt.value);
            if (t.gatesFromTrace)
                value += QStringLiteral(" ") + label(tr("(engine: softmax over all units)"));
            return QStringLiteral("%1 = %2( %3 ) = %2(%4) = %5")
                .arg(G, sig, terms.join(QStringLiteral(" + ")), num(gt.pre), value);
        };
        QString cand;
        {
            QStringList terms;
            terms << QStringLiteral("%1 %2").arg(label(QStringLiteral("x·K<sub>h</sub>")), num(t.hh.xK));
            if (t.useBias)
                terms << QStringLiteral("%1 %2").arg(label(t.resetAfter ? QStringLiteral("b<sub>in,h</sub>")
                                                                        : QStringLiteral("b<sub>h</sub>")),
                                                     num(t.hh.bIn));
            if (t.resetAfter) {
                QString inner = QStringLiteral("%1 %2").arg(label(QStringLiteral("h·R<sub>h</sub>")), num(t.hh.hR));
                if (t.useBias)
                    inner += QStringLiteral(" + %1 %2").arg(label(QStringLiteral("b<sub>rec,h</sub>")), num(t.hh.bRec));
                terms << QStringLiteral("%1 %2 ⊙ ( %3 )").arg(label(QStringLiteral("r")), num(t.r.value), inner);
            } else {
                terms << QStringLiteral("%1 %2").arg(label(QStringLiteral("(r ⊙ h)·R<sub>h</sub>")), num(t.hh.hR));
            }
            QString value = num(t.hh.value);
            if (t.candidateFromTrace)
                value += QStringLiteral(" ") + label(tr("(engine: softmax over all units)"));
            cand = QStringLiteral("h~ = %1( %2 ) = %1(%3) = %4").arg(phi, terms.join(QStringLiteral(" + ")), num(t.hh.pre), value);
        }
        h += QStringLiteral("<p>%1</p><p>%2</p><p>%3</p>").arg(gateLine("z", t.z), gateLine("r", t.r), cand);
    }
    const double oneMinusZ = 1.0 - t.z.value;
    // A negative factor in a product reads better in parentheses: 0.5·(−0.2).
    auto factor = [&](double v) { return v < 0 ? QStringLiteral("(%1)").arg(num(v)) : num(v); };
    h += QStringLiteral("<p>h' = z·h<sub>t−1</sub> + (1 − z)·h~ = %1·%2 + %3·%4 = %5</p>")
             .arg(num(t.z.value), factor(t.hPrevJ), num(oneMinusZ), factor(t.hh.value), num(t.hNew));
    if (t.kept)
        h += QStringLiteral("<p>h<sub>t</sub> = h' = %1</p>").arg(num(t.hOut));
    else
        h += QStringLiteral("<p>h<sub>t</sub> = h<sub>t−1</sub> = %1 <span style=\"color:%2\">%3</span></p>")
                 .arg(num(t.hOut), accent,
                      esc(tr("— masked step (mask[%1, %2] = 0): Keras evaluates the cell but discards h', so the "
                             "state carries over")
                              .arg(t.sample)
                              .arg(t.timeIndex)));

    // Recomputed (float64) next to the engine's trace (float32).
    // A GPU run's "engine" column is itself a CPU rebuild from the device's states: say so, or the
    // agreement below would read as a check of the GPU's gate arithmetic.
    h += QStringLiteral("<p>%1</p>")
             .arg(label(esc(m_rebuiltBy.isEmpty()
                                ? tr("Recomputed in float64 vs. the engine's trace (float32):")
                                : tr("Recomputed in float64 vs. the engine's trace (float32; %1 ran the layer, its gates "
                                     "rebuilt on the CPU from the GPU's states):")
                                      .arg(m_rebuiltBy))));
    h += QStringLiteral("<table cellspacing=\"0\" cellpadding=\"2\"><tr><th align=\"left\"></th><th align=\"right\">%1</th>"
                        "<th align=\"right\">%2</th><th align=\"right\">|Δ|</th></tr>")
             .arg(esc(tr("here")), esc(tr("engine")));
    auto row = [&](const QString& name, double mine, double engine) {
        const double d = std::abs(mine - engine);
        return QStringLiteral("<tr><td>%1</td><td align=\"right\">%2</td><td align=\"right\">%3</td>"
                              "<td align=\"right\">%4</td></tr>")
            .arg(name, formatNumber(mine), formatNumber(engine),
                 std::isfinite(d) ? QString::number(d, 'g', 2) : QStringLiteral("—"));
    };
    h += row(QStringLiteral("pre z"), t.z.pre, t.z.tracePre) + row(QStringLiteral("z"), t.z.value, t.z.traceValue) +
         row(QStringLiteral("pre r"), t.r.pre, t.r.tracePre) + row(QStringLiteral("r"), t.r.value, t.r.traceValue) +
         row(QStringLiteral("pre h~"), t.hh.pre, t.hh.tracePre) + row(QStringLiteral("h~"), t.hh.value, t.hh.traceValue) +
         row(QStringLiteral("h<sub>t</sub>"), t.hOut, t.traceH);
    h += QStringLiteral("</table>");
    for (const std::string& n : t.notes)
        h += QStringLiteral("<p>%1</p>").arg(label(esc(QString::fromStdString(n))));
    h += QStringLiteral("</body></html>");
    return h;
}

void EquationView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        refresh(); // the HTML carries palette colours
}

} // namespace gsui
