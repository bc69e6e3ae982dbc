#include "panels/backend_selector.h"

#include "model/backend_choice.h"

#include <QEvent>
#include <QSignalBlocker>

namespace gsui {

using namespace gruscope;

BackendSelector::BackendSelector(Document* doc, QWidget* parent) : QComboBox(parent), m_doc(doc)
{
    setObjectName(QStringLiteral("arg_backend"));
    setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    setMinimumContentsLength(12);
    m_soon.setSingleShot(true);
    m_soon.setInterval(0);
    connect(&m_soon, &QTimer::timeout, this, &BackendSelector::refresh);
    for (auto signal : {&Document::configChanged, &Document::modelReplaced, &Document::inputChanged,
                        &Document::maskChanged, &Document::trainingChanged, &Document::backendChanged})
        connect(doc, signal, &m_soon, qOverload<>(&QTimer::start));
    connect(this, qOverload<int>(&QComboBox::activated), this, [this](int index) {
        if (auto kind = backendFromName(itemData(index).toString().toStdString()))
            m_doc->setBackend(*kind);
    });
    refresh();
}

void BackendSelector::refresh()
{
    m_soon.stop();
    const std::vector<BackendChoice> choices = backendChoices(*m_doc);
    const QSignalBlocker blocker(this);
    if (count() != int(choices.size())) {
        clear();
        for (const BackendChoice& c : choices)
            addItem(c.name, c.name);
    }
    // A choice that cannot run the layer reads as quiet text but stays selectable: picking it
    // must show the engine's reason, not be refused here.
    const QColor quiet = palette().color(QPalette::Disabled, QPalette::Text);
    QString current;
    for (int i = 0; i < int(choices.size()); ++i) {
        const BackendChoice& c = choices[size_t(i)];
        setItemText(i, c.label());
        setItemData(i, c.name);
        setItemData(i, c.tooltip(), Qt::ToolTipRole);
        setItemData(i, c.runsLayer ? QVariant() : QVariant(quiet), Qt::ForegroundRole);
        if (c.kind == m_doc->backend()) {
            setCurrentIndex(i);
            current = c.tooltip();
        }
    }
    setToolTip(tr("Which backend runs the layer (GruScope; kept in sessions).<br>%1").arg(current));
}

void BackendSelector::changeEvent(QEvent* event)
{
    QComboBox::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        m_soon.start();
}

} // namespace gsui
