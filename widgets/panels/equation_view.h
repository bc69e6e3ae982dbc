// EquationView: the GRU equations of the active variant for the selected unit at the current step
// of the selected sample, written out with the run's numbers — each gate's x·K column, h·R, biases,
// the pre-activation and the activation — then h' = z·h + (1 − z)·h~, and the engine's own traced
// values beside the recomputed ones. Masked steps and training with dropout are explained.
// Redrawn on every step, unit, sample and result change (a few microseconds of arithmetic).
#pragma once

#include "model/document.h"
#include "model/shown_refresh.h"

#include "gruscope/equation_terms.h"

#include <QWidget>

class QTextBrowser;

namespace gsui {

class EquationView : public QWidget {
    Q_OBJECT
public:
    explicit EquationView(Document* doc, QWidget* parent = nullptr);

    // What is shown, as plain text (one equation per line) and as numbers.
    QString plainText() const;
    gruscope::EquationTerms terms() const { return m_terms; }
    QTextBrowser* browser() const { return m_browser; }

    // Numbers as the view writes them: 4 decimals, a real minus sign, scientific when tiny/huge.
    static QString formatNumber(double v);

protected:
    void changeEvent(QEvent* event) override;

private:
    void refresh();
    QString html() const;

    Document* m_doc;
    QTextBrowser* m_browser;
    gruscope::EquationTerms m_terms;
    // Refreshes that wait while the view is hidden (a dock tabbed away or closed): see ShownRefresh.
    ShownRefresh* m_whenShown = nullptr;
    QString m_rebuiltBy; // the GPU backend whose states the run's gates were rebuilt from, or ""
};

} // namespace gsui
