#include "panels/file_tree_panel.h"

#include "model/engine_qt.h"

#include "gruscope/file_tree.h"

#include <QEvent>
#include <QFileInfo>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QStackedWidget>
#include <QStyle>
#include <QToolButton>
#include <QHBoxLayout>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <functional>

namespace gsui {

using namespace gruscope;

namespace {

constexpr int kPathRole = Qt::UserRole;
constexpr int kKindRole = Qt::UserRole + 1;

QString roleWords(const QString& role)
{
    return role == QLatin1String("recurrent_kernel") ? QObject::tr("recurrent kernel") : role;
}

// Problems in a subtree, for the hint on the groups above a problem.
int problemsBelow(const FileTreeNode& n)
{
    int c = 0;
    for (const FileTreeNode& k : n.children)
        c += int(k.problems.size()) + problemsBelow(k);
    return c;
}

// Tooltip text that came from the file: escaped, since Qt renders anything that looks like HTML
// as HTML, and a hostile file's attribute could hold markup (images, links).
QString fromFile(const QString& text)
{
    return QStringLiteral("<p style='white-space:pre-wrap'>%1</p>").arg(text.toHtmlEscaped());
}

QColor severityColour(Diagnostic::Severity s)
{
    return s == Diagnostic::Severity::Error ? QColor(200, 40, 40) : s == Diagnostic::Severity::Warning ? QColor(190, 110, 0) : QColor(40, 110, 190);
}

QString severityWord(Diagnostic::Severity s)
{
    return s == Diagnostic::Severity::Error ? QObject::tr("error") : s == Diagnostic::Severity::Warning ? QObject::tr("warning") : QObject::tr("note");
}

} // namespace

std::optional<TensorRole> tensorRole(const WeightFileInfo& info, const std::string& path)
{
    static const char* const roles[3] = {"kernel", "recurrent_kernel", "bias"};
    for (size_t i = 0; i < info.layers.size(); ++i) {
        const auto& t = info.layers[i].tensors;
        for (size_t k = 0; k < t.size(); ++k)
            if (t[k] == path)
                return TensorRole{int(i), QString::fromLatin1(roles[k % 3])};
    }
    return std::nullopt;
}

FileTreePanel::FileTreePanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("fileTreePanel"));
    m_hint = new QLabel(tr("Open a weight file to see its structure: groups, datasets and attributes, "
                           "with its GRU layers marked."),
                        this);
    m_hint->setObjectName(QStringLiteral("fileTreeHint"));
    m_hint->setWordWrap(true);
    m_hint->setAlignment(Qt::AlignCenter);
    m_hint->setMargin(16);
    m_hint->setEnabled(false); // greyed: it is a hint, not content

    auto* page = new QWidget(this);
    m_summary = new QLabel(page);
    m_summary->setObjectName(QStringLiteral("fileTreeSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    m_filter = new QLineEdit(page);
    m_filter->setObjectName(QStringLiteral("fileTreeFilter"));
    m_filter->setPlaceholderText(tr("Filter by name or path"));
    m_filter->setClearButtonEnabled(true);
    m_tree = new QTreeWidget(page);
    m_tree->setObjectName(QStringLiteral("fileTreeView"));
    m_tree->setHeaderLabels({tr("Name"), tr("Shape"), tr("Type"), tr("Value")});
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setExpandsOnDoubleClick(true);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setTextElideMode(Qt::ElideRight);
    m_tree->setIndentation(14); // deep HDF5 paths in a narrow dock
    auto* col = new QVBoxLayout(page);
    col->setContentsMargins(4, 4, 4, 4);
    col->setSpacing(4);
    col->addWidget(m_summary);
    // Back to the layer on screen after wandering around a big file.
    auto* toLayer = new QToolButton(page);
    toLayer->setObjectName(QStringLiteral("fileTreeToLayer"));
    toLayer->setText(tr("Current layer"));
    toLayer->setToolTip(tr("Expand the tree to the layer the window shows"));
    connect(toLayer, &QToolButton::clicked, this, [this] { expandToLayer(m_current); });
    auto* row = new QHBoxLayout;
    row->setSpacing(4);
    row->addWidget(m_filter, 1);
    row->addWidget(toLayer);
    col->addLayout(row);
    col->addWidget(m_tree, 1);

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_hint);
    m_stack->addWidget(page);
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->addWidget(m_stack);

    m_tree->viewport()->installEventFilter(this);
    connect(m_filter, &QLineEdit::textChanged, this, &FileTreePanel::setFilter);
    connect(m_tree, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) { onItemClicked(item); });
    // Opening a deeper group may need a wider name column (fitColumns).
    connect(m_tree, &QTreeWidget::itemExpanded, this, [this] {
        if (m_file)
            fitColumns();
    });
    connect(m_tree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) { onItemClicked(item); });
}

bool FileTreePanel::showingHint() const { return m_stack->currentWidget() == m_hint; }
QString FileTreePanel::hintText() const { return m_hint->text(); }

QString FileTreePanel::pathOf(const QTreeWidgetItem* item)
{
    return item ? item->data(NameColumn, kPathRole).toString() : QString();
}

QTreeWidgetItem* FileTreePanel::itemForPath(const QString& path) const { return m_items.value(path, nullptr); }

void FileTreePanel::setFile(std::shared_ptr<const LoadedWeightFile> file, int currentLayer)
{
    m_file = std::move(file);
    m_current = currentLayer;
    rebuild();
}

void FileTreePanel::setCurrentLayer(int index)
{
    if (index == m_current)
        return;
    m_current = index;
    markCurrentLayer();
    expandToLayer(index);
}

void FileTreePanel::rebuild()
{
    m_tree->clear();
    m_items.clear();
    if (!m_file) {
        m_stack->setCurrentWidget(m_hint);
        return;
    }
    m_stack->setCurrentWidget(m_tree->parentWidget());
    const LoadedWeightFile& f = *m_file;
    const FileTree& tree = f.fileTree;

    QStyle* st = style();
    const QIcon groupIcon = st->standardIcon(QStyle::SP_DirIcon);
    const QIcon fileIcon = st->standardIcon(QStyle::SP_FileIcon);
    const QIcon linkIcon = st->standardIcon(QStyle::SP_FileLinkIcon);
    const QIcon archiveIcon = st->standardIcon(QStyle::SP_DriveHDIcon);

    // Recursion is bounded: the walk and the reply decoder cap the depth (64).
    auto add = [&](auto&& self, const FileTreeNode& n, QTreeWidgetItem* parent) -> QTreeWidgetItem* {
        auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(m_tree);
        const bool attr = n.kind == FileTreeNode::Kind::Attribute;
        item->setText(NameColumn, attr ? QStringLiteral("@") + qs(n.name) : qs(n.name));
        item->setData(NameColumn, kPathRole, qs(n.path));
        item->setData(NameColumn, kKindRole, int(n.kind));
        if (!n.shape.empty() || n.kind == FileTreeNode::Kind::Dataset)
            item->setText(ShapeColumn, qs(n.shape));
        // The icon tells groups from datasets; the column keeps its room for dtypes.
        item->setText(TypeColumn, qs(n.dtype));
        item->setText(ValueColumn, qs(n.value));
        if (!n.value.empty())
            item->setToolTip(ValueColumn, fromFile(qs(n.value)));
        const QString where = QString::fromLatin1(fileTreeKindName(n.kind)) + QStringLiteral(" ") + qs(n.path);
        item->setToolTip(NameColumn, fromFile(where));
        switch (n.kind) {
        case FileTreeNode::Kind::Group: item->setIcon(NameColumn, groupIcon); break;
        case FileTreeNode::Kind::Dataset:
        case FileTreeNode::Kind::Member: item->setIcon(NameColumn, fileIcon); break;
        case FileTreeNode::Kind::Link: item->setIcon(NameColumn, linkIcon); break;
        case FileTreeNode::Kind::Archive: item->setIcon(NameColumn, archiveIcon); break;
        default: break;
        }
        if ((n.name == "model_config" && attr) || n.path == "config.json") {
            // The model config in full, readable: the value column only has room for its start.
            QByteArray pretty = QJsonDocument::fromJson(QByteArray::fromStdString(f.info.modelConfigJson)).toJson();
            if (pretty.size() > 6000)
                pretty = pretty.left(6000) + "\n…";
            if (!pretty.isEmpty())
                item->setToolTip(ValueColumn, QStringLiteral("<pre>%1</pre>").arg(QString::fromUtf8(pretty).toHtmlEscaped()));
        }
        if (!n.problems.empty()) {
            auto worst = Diagnostic::Severity::Info;
            QStringList lines;
            for (const Diagnostic& d : n.problems) {
                worst = std::max(worst, d.severity);
                lines << severityWord(d.severity) + QStringLiteral(": ") + qs(d.message);
            }
            item->setIcon(NameColumn, st->standardIcon(worst == Diagnostic::Severity::Error     ? QStyle::SP_MessageBoxCritical
                                                       : worst == Diagnostic::Severity::Warning ? QStyle::SP_MessageBoxWarning
                                                                                                 : QStyle::SP_MessageBoxInformation));
            item->setForeground(NameColumn, severityColour(worst));
            item->setToolTip(NameColumn, fromFile(where + QStringLiteral("\n") + lines.join(QLatin1Char('\n'))));
        } else if (const int below = problemsBelow(n)) {
            // A hint on the way down to a problem that sits in a collapsed group.
            item->setForeground(NameColumn, severityColour(Diagnostic::Severity::Warning));
            item->setToolTip(NameColumn, fromFile(where + QStringLiteral("\n") + (below == 1 ? tr("1 problem inside") : tr("%1 problems inside").arg(below))));
        }
        if (!n.path.empty() && !attr)
            m_items.insert(qs(n.path), item);
        for (const FileTreeNode& c : n.children)
            self(self, c, item);
        return item;
    };
    for (const FileTreeNode& r : tree.roots)
        add(add, r, nullptr)->setExpanded(true);
    if (!tree.note.empty())
        new QTreeWidgetItem(m_tree, {qs(tree.note)});

    // The GRU layers: their groups and tensors say what they are.
    for (int i = 0; i < int(f.info.layers.size()); ++i) {
        const GruLayerInfo& l = f.info.layers[size_t(i)];
        if (auto* g = itemForPath(qs(l.group)); g && g->text(ValueColumn).isEmpty())
            g->setText(ValueColumn, tr("%1 %2").arg(qs(l.kind), qs(l.name)));
        for (const std::string& t : l.tensors)
            if (auto* item = itemForPath(qs(t))) {
                const auto role = tensorRole(f.info, t);
                item->setText(ValueColumn, tr("%1 of %2").arg(roleWords(role->role), qs(l.name)));
                // Keras 3 names them 0, 1, 2 and Keras 1 W_z, U_z, ...: the role goes beside the
                // name, where a narrow dock still shows it.
                if (!item->text(NameColumn).contains(role->role))
                    item->setText(NameColumn, item->text(NameColumn) + QStringLiteral("  (") + roleWords(role->role) + QStringLiteral(")"));
            }
    }

    const int64_t nodes = fileTreeNodeCount(tree);
    QString summary = tr("<b>%1</b> · %2 · %3")
                          .arg(QFileInfo(qs(f.info.path)).fileName().toHtmlEscaped(),
                               qs(f.info.formatDetail.empty() ? weightFormatName(f.info.format) : f.info.formatDetail).toHtmlEscaped(),
                               nodes == 1 ? tr("1 node") : tr("%1 nodes").arg(nodes));
    if (tree.omitted)
        summary += tr(", %1 more not listed (limit)").arg(tree.omitted);
    if (!f.treeError.empty())
        summary += QStringLiteral("<br><span style='color:#c03030'>%1</span>").arg(tr("The tree could not be read: %1").arg(qs(f.treeError).toHtmlEscaped()));
    if (!f.info.layers.empty())
        summary += QStringLiteral("<br>") + tr("Click a GRU tensor to show it in Weights.");
    m_summary->setText(summary);

    for (const auto& r : tree.roots)
        if (auto* top = itemForPath(qs(r.path)))
            for (int k = 0; k < top->childCount(); ++k)
                top->child(k)->setExpanded(top->childCount() <= 8); // small files open one more level
    markCurrentLayer();
    expandToLayer(m_current);
    fitColumns();
    if (!m_filter->text().isEmpty())
        setFilter(m_filter->text());
}

void FileTreePanel::fitColumns()
{
    // A side dock is narrow. Shape and dtype are short and say what a tensor is, so they get what
    // they need (up to a quarter each); the name what is left of the view, at least 40 % (a long
    // name elides, its tooltip has it whole); the value the rest, or a scroll away. Names first at
    // 70 % pushed the dtype out of a 300 px dock. But the deepest open row (a .keras file's
    // layers/gru/cell/vars/0) must still show the start of its name past the indentation, or
    // the tree shows rows without names: then the columns after it scroll.
    m_tree->resizeColumnToContents(NameColumn);
    m_tree->resizeColumnToContents(ShapeColumn);
    m_tree->resizeColumnToContents(TypeColumn);
    const int room = std::max(200, m_tree->viewport()->width());
    const int shape = std::min(m_tree->columnWidth(ShapeColumn), room / 4);
    const int type = std::min(m_tree->columnWidth(TypeColumn), room / 4);
    const int readable = m_tree->indentation() * (deepestOpenLevel() + 1) + m_tree->iconSize().width() + 8 +
                         m_tree->fontMetrics().horizontalAdvance(QStringLiteral("kernel:0…"));
    m_tree->setColumnWidth(ShapeColumn, shape);
    m_tree->setColumnWidth(TypeColumn, type);
    m_tree->setColumnWidth(NameColumn,
                           std::min(m_tree->columnWidth(NameColumn), std::max({room * 4 / 10, room - shape - type, readable})));
}

int FileTreePanel::deepestOpenLevel() const
{
    // Depth 0 = a top-level row. Only rows that can be seen: not filtered out, every parent open.
    int deepest = 0;
    std::function<void(QTreeWidgetItem*, int)> walk = [&](QTreeWidgetItem* item, int depth) {
        if (item->isHidden())
            return;
        deepest = std::max(deepest, depth);
        if (item->isExpanded())
            for (int k = 0; k < item->childCount(); ++k)
                walk(item->child(k), depth + 1);
    };
    for (int k = 0; k < m_tree->topLevelItemCount(); ++k)
        walk(m_tree->topLevelItem(k), 0);
    return deepest;
}

bool FileTreePanel::eventFilter(QObject* watched, QEvent* event)
{
    // The viewport's own resize: the panel's comes before the tree has laid itself out.
    if (watched == m_tree->viewport() && event->type() == QEvent::Resize && m_file)
        fitColumns();
    return QWidget::eventFilter(watched, event);
}

void FileTreePanel::markCurrentLayer()
{
    if (!m_file)
        return;
    const auto& layers = m_file->info.layers;
    const QBrush shown = QColor(70, 140, 230, 50);
    // Every layer plain first, then the current one marked: a Bidirectional's two halves share
    // their group.
    for (const bool marking : {false, true})
        for (int i = 0; i < int(layers.size()); ++i) {
            const bool current = i == m_current;
            if (marking && !current)
                continue;
            std::vector<std::string> paths = layers[size_t(i)].tensors;
            paths.push_back(layers[size_t(i)].group);
            for (const std::string& p : paths)
                if (auto* item = itemForPath(qs(p))) {
                    QFont font = item->font(NameColumn);
                    font.setBold(marking);
                    for (int c = 0; c < m_tree->columnCount(); ++c) {
                        item->setFont(c, font);
                        item->setBackground(c, marking ? shown : QBrush());
                    }
                    if (p != layers[size_t(i)].group)
                        item->setToolTip(ValueColumn, current ? tr("Click to show it in the Weights view")
                                                              : tr("Click to open %1 and show this tensor").arg(qs(layers[size_t(i)].name)));
                }
        }
}

void FileTreePanel::expandToLayer(int index)
{
    if (!m_file || index < 0 || index >= int(m_file->info.layers.size()))
        return;
    const GruLayerInfo& l = m_file->info.layers[size_t(index)];
    QTreeWidgetItem* group = itemForPath(qs(l.group));
    for (const std::string& t : l.tensors)
        if (auto* item = itemForPath(qs(t)))
            for (auto* up = item->parent(); up; up = up->parent())
                up->setExpanded(true);
    if (group) {
        for (auto* up = group->parent(); up; up = up->parent())
            up->setExpanded(true);
        m_tree->scrollToItem(group, QAbstractItemView::PositionAtTop);
    }
}

void FileTreePanel::setFilter(const QString& text)
{
    if (m_filter->text() != text)
        m_filter->setText(text); // comes back here through textChanged
    const QString needle = text.trimmed();
    // Shown: a match, or a group above one (expanded, so that the match can be seen).
    auto apply = [&](auto&& self, QTreeWidgetItem* item) -> bool {
        bool below = false;
        for (int k = 0; k < item->childCount(); ++k)
            below |= self(self, item->child(k));
        const bool match = needle.isEmpty() || item->text(NameColumn).contains(needle, Qt::CaseInsensitive) ||
                           pathOf(item).contains(needle, Qt::CaseInsensitive);
        item->setHidden(!match && !below);
        if (below && !needle.isEmpty())
            item->setExpanded(true);
        return match || below;
    };
    for (int k = 0; k < m_tree->topLevelItemCount(); ++k)
        apply(apply, m_tree->topLevelItem(k));
}

void FileTreePanel::onItemClicked(QTreeWidgetItem* item)
{
    if (!m_file || !item || item->data(NameColumn, kKindRole).toInt() != int(FileTreeNode::Kind::Dataset))
        return;
    const auto role = tensorRole(m_file->info, ss(pathOf(item)));
    if (!role)
        return;
    if (role->layer == m_current)
        emit tensorActivated(role->role);
    else
        emit layerRequested(role->layer, role->role);
}

} // namespace gsui
