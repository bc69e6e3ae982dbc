#include "panels/mask_editor.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollArea>
#include <QScrollBar>
#include <QTimer>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace gsui {

namespace {

constexpr int kMinRow = 4;   // px, a row's lowest height (rows are few; keep them clickable)
constexpr int kPad = 2;      // px around the grid

// The current step's outline: orange reads on light and dark palettes and is not a palette role
// the grid itself uses.
const QColor kCursorColor(255, 140, 0);

// Smallest "nice" label interval (1, 2, 5, 10, 20, 50, ...) so that labels `spacing` px apart are
// at least `needed` px apart.
int labelInterval(int spacing, int needed)
{
    spacing = std::max(1, spacing);
    for (int base = 1;; base *= 10)
        for (int m : {1, 2, 5})
            if (int64_t(base) * m * spacing >= needed || base > 100000000)
                return base * m;
}

} // namespace

MaskEditor::MaskEditor(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    setMouseTracking(false);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setToolTip(tr("Mask: click a cell to keep or skip that step, drag to paint; click a time label to step there"));
    connect(doc, &Document::inputChanged, this, &MaskEditor::onShapeChanged);
    connect(doc, &Document::maskChanged, this, qOverload<>(&QWidget::update));
    connect(doc, &Document::sampleChanged, this, qOverload<>(&QWidget::update));
    connect(doc, &Document::stepChanged, this, &MaskEditor::onStepChanged);
    connect(doc, &Document::configChanged, this, &MaskEditor::onStepChanged); // go_backwards
    connect(doc, &Document::resultChanged, this, qOverload<>(&QWidget::update));
    onShapeChanged();
}

int MaskEditor::leftMargin() const
{
    const QFontMetrics fm(font());
    const int digits = fm.horizontalAdvance(QString::number(std::max<int64_t>(0, m_doc->batch() - 1)));
    return kPad + std::max(digits, fm.horizontalAdvance(QStringLiteral("t→"))) + 8;
}

int MaskEditor::topMargin() const { return kPad + QFontMetrics(font()).height() + 6; }

MaskEditor::Geometry MaskEditor::geometryFor(int width, int height) const
{
    Geometry g;
    g.left = leftMargin();
    g.top = topMargin();
    const int T = std::max(1, int(m_doc->steps())), B = std::max(1, int(m_doc->batch()));
    g.cellW = std::clamp((width - g.left - kPad) / T, kMinCell, kMaxCell);
    g.cellH = std::clamp((height - g.top - kPad) / B, kMinRow, kMaxCell);
    return g;
}

QSize MaskEditor::minimumSizeHint() const
{
    const int T = std::max(1, int(m_doc->steps())), B = std::max(1, int(m_doc->batch()));
    return {leftMargin() + T * kMinCell + kPad, topMargin() + B * kMinRow + kPad};
}

QSize MaskEditor::sizeHint() const
{
    const int T = std::max(1, int(m_doc->steps())), B = std::max(1, int(m_doc->batch()));
    return {leftMargin() + std::clamp(T * 12, 200, 800) + kPad, topMargin() + std::clamp(B * 18, 60, 400) + kPad};
}

void MaskEditor::relayout()
{
    m_geo = geometryFor(width(), height());
    update();
}

void MaskEditor::onShapeChanged()
{
    setMinimumSize(minimumSizeHint());
    updateGeometry();
    relayout();
}

void MaskEditor::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    relayout();
}

int MaskEditor::currentTimeIndex() const
{
    const int T = int(m_doc->steps());
    if (T <= 0)
        return -1;
    const int s = std::clamp(m_doc->currentStep(), 0, T - 1);
    return m_doc->config().go_backwards ? T - 1 - s : s;
}

void MaskEditor::onStepChanged()
{
    update();
    ensureStepVisible();
}

void MaskEditor::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    // Scrolling blits the old pixels; the frozen label strip must be repainted where it now is.
    if (auto* area = parentWidget() ? qobject_cast<QScrollArea*>(parentWidget()->parentWidget()) : nullptr)
        connect(area->horizontalScrollBar(), &QScrollBar::valueChanged, this, qOverload<>(&QWidget::update),
                Qt::UniqueConnection);
    // The scroll area lays the grid out after it is shown; scroll once the sizes are final.
    QTimer::singleShot(0, this, &MaskEditor::ensureStepVisible);
}

// Keeps the current step in view when the grid is wider than the scroll area showing it.
void MaskEditor::ensureStepVisible()
{
    auto* area = parentWidget() ? qobject_cast<QScrollArea*>(parentWidget()->parentWidget()) : nullptr;
    const int t = currentTimeIndex();
    if (!area || t < 0)
        return;
    const QRect r = cellRect(std::max(0, m_doc->selectedSample()), t);
    QScrollBar* bar = area->horizontalScrollBar();
    const int viewW = area->viewport()->width();
    if (r.left() < bar->value() + m_geo.left || r.right() > bar->value() + viewW)
        bar->setValue(r.center().x() - viewW / 2);
}

QRect MaskEditor::cellRect(int b, int t) const
{
    if (b < 0 || t < 0 || b >= m_doc->batch() || t >= m_doc->steps())
        return {};
    return {m_geo.left + t * m_geo.cellW, m_geo.top + b * m_geo.cellH, m_geo.cellW, m_geo.cellH};
}

int MaskEditor::labelLeft() const
{
    const QRect visible = visibleRegion().boundingRect();
    return visible.isEmpty() ? 0 : visible.left();
}

QPoint MaskEditor::cellAt(const QPoint& pos) const
{
    const int x = pos.x() - m_geo.left, y = pos.y() - m_geo.top;
    if (x < 0 || y < 0 || pos.x() < labelLeft() + m_geo.left) // the frozen label strip covers cells
        return {-1, -1};
    const int t = x / m_geo.cellW, b = y / m_geo.cellH;
    if (t >= m_doc->steps() || b >= m_doc->batch())
        return {-1, -1};
    return {b, t};
}

int MaskEditor::timeAtHeader(const QPoint& pos) const
{
    if (pos.y() >= m_geo.top || pos.x() < labelLeft() + m_geo.left)
        return -1;
    const int t = (pos.x() - m_geo.left) / m_geo.cellW;
    return t < m_doc->steps() ? t : -1;
}

int MaskEditor::sampleAtLabel(const QPoint& pos) const
{
    const int strip = labelLeft();
    if (pos.x() < strip || pos.x() >= strip + m_geo.left || pos.y() < m_geo.top)
        return -1;
    const int b = (pos.y() - m_geo.top) / m_geo.cellH;
    return b < m_doc->batch() ? b : -1;
}

bool MaskEditor::isKept(int b, int t) const
{
    const auto& mask = m_doc->mask();
    if (!mask || b < 0 || t < 0 || b >= m_doc->batch() || t >= m_doc->steps())
        return true;
    return mask->data[size_t(int64_t(b) * m_doc->steps() + t)] != 0;
}

void MaskEditor::paintEvent(QPaintEvent* event)
{
    QPainter p(this);
    const QPalette& pal = palette();
    p.fillRect(event->rect(), pal.color(QPalette::Window));
    const int B = int(m_doc->batch()), T = int(m_doc->steps());
    if (B <= 0 || T <= 0)
        return;
    const Geometry& g = m_geo;
    const QFontMetrics fm(font());

    // Only the columns inside the exposed rectangle: T can be in the thousands.
    QRect exposed = event->rect();
    if (const QRect visible = visibleRegion().boundingRect(); !visible.isEmpty())
        exposed &= visible;
    const int t0 = std::clamp((exposed.left() - g.left) / g.cellW - 1, 0, T - 1);
    const int t1 = std::clamp((exposed.right() - g.left) / g.cellW + 1, 0, T - 1);

    const QColor kept = pal.color(QPalette::Highlight);
    const QColor empty = pal.color(QPalette::Base);
    QColor line = pal.color(QPalette::Mid);
    const bool hatch = g.cellW >= 6 && g.cellH >= 6;
    const bool gridLines = g.cellW >= 5;
    QBrush hatchBrush(pal.color(QPalette::Text), Qt::BDiagPattern);
    QColor hatchColor = pal.color(QPalette::Text);
    hatchColor.setAlpha(110);
    hatchBrush.setColor(hatchColor);

    // Cells.
    p.fillRect(QRect(g.left + t0 * g.cellW, g.top, (t1 - t0 + 1) * g.cellW, B * g.cellH), empty);
    for (int b = 0; b < B; ++b)
        for (int t = t0; t <= t1; ++t) {
            const QRect r = cellRect(b, t);
            if (isKept(b, t)) {
                p.fillRect(gridLines ? r.adjusted(1, 1, 0, 0) : r, kept);
            } else if (hatch) {
                p.fillRect(r.adjusted(1, 1, 0, 0), hatchBrush);
            }
        }
    if (gridLines) {
        p.setPen(line);
        for (int t = t0; t <= t1 + 1 && t <= T; ++t)
            p.drawLine(g.left + t * g.cellW, g.top, g.left + t * g.cellW, g.top + B * g.cellH);
    }
    if (g.cellH >= 5) {
        p.setPen(line);
        for (int b = 0; b <= B; ++b)
            p.drawLine(g.left + t0 * g.cellW, g.top + b * g.cellH, g.left + (t1 + 1) * g.cellW, g.top + b * g.cellH);
    }

    // Time labels: every n-th step so that they never overlap.
    const int labelW = fm.horizontalAdvance(QString::number(T - 1)) + 8;
    const int every = labelInterval(g.cellW, labelW);
    const int cur = currentTimeIndex();
    p.setPen(pal.color(QPalette::WindowText));
    for (int t = (t0 / every) * every; t <= t1; t += every) {
        const int cx = g.left + t * g.cellW + g.cellW / 2;
        const QRect r(cx - labelW / 2, kPad, labelW, fm.height());
        if (r.left() < labelLeft() + g.left - 2 && t != 0)
            continue; // would be half hidden behind the frozen label strip
        p.drawText(r, Qt::AlignCenter, QString::number(t));
        p.drawLine(cx, g.top - 4, cx, g.top - 1);
    }

    // Sample labels, the selected one bold, in a strip that stays at the visible left edge when the
    // grid scrolls sideways (a frozen column), so every row keeps its name.
    const int strip = labelLeft();
    p.fillRect(QRect(strip, 0, g.left, height()), pal.color(QPalette::Window));
    p.setPen(pal.color(QPalette::WindowText));
    const int rowEvery = labelInterval(g.cellH, fm.height());
    const int selected = m_doc->selectedSample();
    for (int b = 0; b < B; ++b) {
        if (b % rowEvery != 0 && b != selected)
            continue;
        QFont f = font();
        f.setBold(b == selected);
        p.setFont(f);
        const QRect r(strip + kPad, g.top + b * g.cellH + g.cellH / 2 - fm.height() / 2, g.left - kPad - 6, fm.height());
        p.drawText(r, Qt::AlignRight | Qt::AlignVCenter, QString::number(b));
    }
    p.setFont(font());
    p.drawText(QRect(strip + kPad, kPad, g.left - kPad - 4, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
               QStringLiteral("t→"));

    // The current step's column (not over the label strip).
    p.setClipRect(QRect(strip + g.left, 0, width(), height()));
    if (cur >= 0) {
        const QRect col(g.left + cur * g.cellW, g.top, g.cellW, B * g.cellH);
        p.setPen(QPen(kCursorColor, 2));
        p.setBrush(Qt::NoBrush);
        p.drawRect(col.adjusted(0, -1, 0, 1));
        p.fillRect(QRect(col.left(), g.top - 4, std::max(2, col.width()), 3), kCursorColor);
    }
}

void MaskEditor::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton) {
        QWidget::mousePressEvent(event);
        return;
    }
    const QPoint pos = event->position().toPoint();
    if (const int t = timeAtHeader(pos); t >= 0) {
        const int T = int(m_doc->steps());
        m_doc->setCurrentStep(m_doc->config().go_backwards ? T - 1 - t : t);
        return;
    }
    if (const int b = sampleAtLabel(pos); b >= 0) {
        m_doc->setSelectedSample(b);
        return;
    }
    const QPoint cell = cellAt(pos);
    if (cell.x() < 0)
        return;
    m_stroke = true;
    m_strokeValue = !isKept(cell.x(), cell.y());
    m_lastCell = cell;
    m_doc->setMaskCell(cell.x(), cell.y(), m_strokeValue);
}

void MaskEditor::mouseMoveEvent(QMouseEvent* event)
{
    if (!m_stroke || !(event->buttons() & Qt::LeftButton)) {
        QWidget::mouseMoveEvent(event);
        return;
    }
    // Past the grid's edge the stroke sticks to the nearest cell, so a fast stroke still reaches
    // the first or last step.
    const QPoint pos = event->position().toPoint();
    const int B = int(m_doc->batch()), T = int(m_doc->steps());
    const int t = std::clamp((pos.x() - m_geo.left) / m_geo.cellW - (pos.x() < m_geo.left ? 1 : 0), 0, T - 1);
    const int b = std::clamp((pos.y() - m_geo.top) / m_geo.cellH - (pos.y() < m_geo.top ? 1 : 0), 0, B - 1);
    if (QPoint(b, t) != m_lastCell)
        paintTo(b, t);
}

void MaskEditor::mouseReleaseEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton)
        m_stroke = false;
    QWidget::mouseReleaseEvent(event);
}

// Mouse moves skip cells when the pointer is fast: fill the straight line of cells from the last
// painted one, and hand the document one new mask (one change, one recompute) per move.
void MaskEditor::paintTo(int b, int t)
{
    const int64_t B = m_doc->batch(), T = m_doc->steps();
    gruscope::ArrayU8 mask = m_doc->mask() ? *m_doc->mask() : gruscope::ArrayU8(gruscope::Shape{B, T}, 1);
    const int b0 = std::clamp(m_lastCell.x(), 0, int(B) - 1), t0 = std::clamp(m_lastCell.y(), 0, int(T) - 1);
    const int n = std::max(std::abs(b - b0), std::abs(t - t0));
    for (int k = 0; k <= n; ++k) {
        const int bb = n == 0 ? b : b0 + int(std::lround(double(b - b0) * k / n));
        const int tt = n == 0 ? t : t0 + int(std::lround(double(t - t0) * k / n));
        mask.data[size_t(int64_t(bb) * T + tt)] = uint8_t(m_strokeValue);
    }
    m_lastCell = {b, t};
    m_doc->setMask(std::move(mask));
}

bool MaskEditor::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QPoint cell = cellAt(help->pos());
        QString text;
        if (cell.x() >= 0) {
            const bool keep = isKept(cell.x(), cell.y());
            text = tr("sample %1, t = %2: %3")
                       .arg(cell.x())
                       .arg(cell.y())
                       .arg(keep ? tr("kept (mask 1)") : tr("masked (mask 0): the step is skipped, h carries over"));
        } else if (const int t = timeAtHeader(help->pos()); t >= 0) {
            text = tr("t = %1: click to make it the current step").arg(t);
        } else if (const int b = sampleAtLabel(help->pos()); b >= 0) {
            text = tr("sample %1: click to select it in every view").arg(b);
        }
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace gsui
