// The File panel on its own: a weight file's tree with shapes, dtypes and values; the GRU
// tensors labelled and linked (a click on the current layer's kernel asks for the kernel, one on
// another layer's tensor asks for that layer); the current layer in bold; a validator diagnostic
// marked on its node; the filter; and the hint when no file is open.
#include "panels/file_tree_panel.h"
#include "test_support.h"

#include "gruscope/error.h"
#include "gruscope/file_tree.h"
#include "gruscope/isolated_parse.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>

using namespace gsui;
using namespace gruscope;

namespace {

std::shared_ptr<const LoadedWeightFile> load(const std::string& path)
{
    ParseOptions o;
    o.isolate = false; // the tree is the same either way (tst_isolated_parse); this is faster
    return std::make_shared<const LoadedWeightFile>(loadWeightFile(path, o));
}

std::string fixture(const char* name) { return gstest::dataPath(std::string("weightfiles/") + name); }

// Clicks an item as a user would: on its name, in the viewport.
void click(FileTreePanel& panel, QTreeWidgetItem* item)
{
    QTreeWidget* view = panel.view();
    view->scrollToItem(item);
    const QRect r = view->visualItemRect(item);
    QVERIFY(r.isValid());
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, r.center());
}

int visibleCount(QTreeWidgetItem* item)
{
    int n = item->isHidden() ? 0 : 1;
    for (int k = 0; k < item->childCount(); ++k)
        n += visibleCount(item->child(k));
    return n;
}

} // namespace

class TstFileTreePanel : public QObject {
    Q_OBJECT
private slots:
    void emptyShowsAHint()
    {
        FileTreePanel panel;
        panel.resize(500, 400);
        panel.show();
        QVERIFY(panel.showingHint());
        QVERIFY(panel.hintText().contains(QStringLiteral("Open a weight file")));
        panel.setFile(load(fixture("tfk_gru_dense.full.h5")), 0);
        QVERIFY(!panel.showingHint());
        panel.setFile(nullptr);
        QVERIFY(panel.showingHint());
        QCOMPARE(panel.view()->topLevelItemCount(), 0);
    }

    void columnsShowShapesTypesAndValues()
    {
        const auto file = load(fixture("tfk_bidi_concat.full.h5"));
        FileTreePanel panel;
        panel.setFile(file, 0);
        const GruLayerInfo& layer = file->info.layers[0];
        QTreeWidgetItem* kernel = panel.itemForPath(QString::fromStdString(layer.tensors[0]));
        QVERIFY(kernel);
        QCOMPARE(kernel->text(FileTreePanel::ShapeColumn), QString::fromStdString(shapeToString(layer.kernelShape)));
        QCOMPARE(kernel->text(FileTreePanel::TypeColumn), QStringLiteral("float32"));
        QVERIFY(kernel->text(FileTreePanel::ValueColumn).startsWith(QStringLiteral("kernel of ")));
        QVERIFY(kernel->font(0).bold()); // the current layer's tensors
        QVERIFY(!kernel->isHidden());
        for (auto* up = kernel->parent(); up; up = up->parent())
            QVERIFY(up->isExpanded()); // expanded to the current layer
        QTreeWidgetItem* other = panel.itemForPath(QString::fromStdString(file->info.layers[1].tensors[0]));
        QVERIFY(other);
        QVERIFY(!other->font(0).bold());
        // The root's attributes, with their values.
        QTreeWidgetItem* root = panel.itemForPath(QStringLiteral("/"));
        QVERIFY(root);
        bool sawVersion = false;
        for (int k = 0; k < root->childCount(); ++k)
            if (root->child(k)->text(0) == QStringLiteral("@keras_version"))
                sawVersion = !root->child(k)->text(FileTreePanel::ValueColumn).isEmpty();
        QVERIFY(sawVersion);

        panel.setCurrentLayer(1);
        QVERIFY(other->font(0).bold());
        QVERIFY(!kernel->font(0).bold());
    }

    // In a dock as narrow as the window's at 1280 px, a tensor's shape and dtype stay in view
    // whole; the long name gives way (it elides, its tooltip has it).
    void narrowDockKeepsShapeAndTypeInView()
    {
        const auto file = load(fixture("tfk_bidi_concat.full.h5"));
        FileTreePanel panel;
        panel.resize(310, 400);
        panel.setFile(file, 0);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QTreeWidget* view = panel.view();
        QTreeWidgetItem* kernel = panel.itemForPath(QString::fromStdString(file->info.layers[0].tensors[1]));
        QVERIFY(kernel);
        const QFontMetrics fm(view->font());
        const int typeEnd = view->header()->sectionViewportPosition(FileTreePanel::TypeColumn) +
                            view->columnWidth(FileTreePanel::TypeColumn);
        QVERIFY2(typeEnd <= view->viewport()->width(), qPrintable(QStringLiteral("dtype ends at %1 of %2 px")
                                                                      .arg(typeEnd)
                                                                      .arg(view->viewport()->width())));
        QVERIFY(view->columnWidth(FileTreePanel::TypeColumn) >= fm.horizontalAdvance(QStringLiteral("float32")));
        QVERIFY(view->columnWidth(FileTreePanel::ShapeColumn) >=
                fm.horizontalAdvance(kernel->text(FileTreePanel::ShapeColumn)));
        QVERIFY(view->columnWidth(FileTreePanel::NameColumn) >= view->viewport()->width() * 4 / 10);
        // Deep names, indentation included, need over half the view: they do compete for the room.
        view->resizeColumnToContents(FileTreePanel::NameColumn);
        QVERIFY2(view->columnWidth(FileTreePanel::NameColumn) > view->viewport()->width() / 2,
                 "the fixture's names must be long enough to compete for the room");
    }

    // A .keras file's tensors sit six levels down (layers/gru/cell/vars/0): in a narrow dock the
    // name column keeps room past the indentation for the start of their names, and the columns
    // after it scroll instead.
    void deepTensorsKeepTheirNames()
    {
        const auto file = load(fixture("k3_gru_dense.keras"));
        FileTreePanel panel;
        panel.resize(250, 400);
        panel.setFile(file, 0);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QTreeWidget* view = panel.view();
        QTreeWidgetItem* kernel = panel.itemForPath(QString::fromStdString(file->info.layers[0].tensors[0]));
        QVERIFY(kernel);
        int depth = 0;
        for (auto* up = kernel->parent(); up; up = up->parent())
            ++depth;
        QVERIFY2(depth >= 4, qPrintable(QString::number(depth)));
        const int textRoom = view->columnWidth(FileTreePanel::NameColumn) - view->indentation() * (depth + 1) -
                             view->iconSize().width() - 8;
        QVERIFY2(textRoom >= view->fontMetrics().horizontalAdvance(QStringLiteral("kernel:0")),
                 qPrintable(QStringLiteral("%1 px for the name of %2 at depth %3")
                                .arg(textRoom)
                                .arg(kernel->text(FileTreePanel::NameColumn))
                                .arg(depth)));
    }

    void clickingTensorsFollowsTheLayers()
    {
        const auto file = load(fixture("tfk_bidi_concat.full.h5"));
        FileTreePanel panel;
        panel.resize(700, 600);
        panel.setFile(file, 0);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QSignalSpy tensor(&panel, &FileTreePanel::tensorActivated);
        QSignalSpy layer(&panel, &FileTreePanel::layerRequested);

        click(panel, panel.itemForPath(QString::fromStdString(file->info.layers[0].tensors[1])));
        QCOMPARE(tensor.count(), 1);
        QCOMPARE(tensor.at(0).at(0).toString(), QStringLiteral("recurrent_kernel"));
        QCOMPARE(layer.count(), 0);

        QTreeWidgetItem* otherBias = panel.itemForPath(QString::fromStdString(file->info.layers[1].tensors[2]));
        panel.expandToLayer(1);
        click(panel, otherBias);
        QCOMPARE(layer.count(), 1);
        QCOMPARE(layer.at(0).at(0).toInt(), 1);
        QCOMPARE(layer.at(0).at(1).toString(), QStringLiteral("bias"));
        QCOMPARE(tensor.count(), 1);

        // A group is not a tensor: nothing is asked.
        click(panel, panel.itemForPath(QString::fromStdString(file->info.layers[0].group)));
        QCOMPARE(tensor.count() + layer.count(), 2);
    }

    void tensorRolesCoverEveryLayout_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* n : {"k3_gru_dense.keras", "tfk_cudnngru.full.h5", "keras212_gru_no_reset_after_constructed.h5",
                              "k3_two_gru.weights.h5", "tfk_use_bias_false.full.h5"})
            QTest::newRow(n) << QString::fromLatin1(n);
    }
    void tensorRolesCoverEveryLayout()
    {
        QFETCH(QString, name);
        const auto file = load(fixture(name.toUtf8().constData()));
        FileTreePanel panel;
        panel.setFile(file, 0);
        QVERIFY(!file->info.layers.empty());
        for (int i = 0; i < int(file->info.layers.size()); ++i)
            for (const std::string& t : file->info.layers[size_t(i)].tensors) {
                const auto role = tensorRole(file->info, t);
                QVERIFY(role && role->layer == i);
                QVERIFY2(panel.itemForPath(QString::fromStdString(t)), t.c_str()); // every tensor is in the tree
            }
    }

    void filterKeepsMatchesAndTheirGroups()
    {
        const auto file = load(fixture("tfk_bidi_concat.full.h5"));
        FileTreePanel panel;
        panel.setFile(file, 0);
        QTreeWidgetItem* root = panel.view()->topLevelItem(0);
        const int all = visibleCount(root);
        QTest::keyClicks(panel.filterBox(), QStringLiteral("RECURRENT"));
        QCOMPARE(panel.filterBox()->text(), QStringLiteral("RECURRENT"));
        const int few = visibleCount(root);
        QVERIFY(few < all);
        for (const auto& l : file->info.layers) {
            QTreeWidgetItem* r = panel.itemForPath(QString::fromStdString(l.tensors[1]));
            QVERIFY(r && !r->isHidden());
            for (auto* up = r->parent(); up; up = up->parent())
                QVERIFY(!up->isHidden() && up->isExpanded());
            QVERIFY(panel.itemForPath(QString::fromStdString(l.tensors[0]))->isHidden());
        }
        panel.setFilter(QString());
        QCOMPARE(visibleCount(root), all);
    }

    void problemsAreMarkedWhereTheySit()
    {
        // Keras 2.1.2 wrote no reset_after: the layer's check says what was assumed, on its group.
        const auto file = load(fixture("keras212_gru_no_reset_after_constructed.h5"));
        FileTreePanel panel;
        panel.setFile(file, 0);
        const FileTreeNode* node = findFileTreeNode(file->fileTree, "/model_weights/gru_1");
        QVERIFY(node && !node->problems.empty());
        QTreeWidgetItem* group = panel.itemForPath(QStringLiteral("/model_weights/gru_1"));
        QVERIFY(group);
        for (const Diagnostic& d : node->problems)
            QVERIFY(group->toolTip(FileTreePanel::NameColumn).contains(QString::fromStdString(d.message).toHtmlEscaped()));
        QVERIFY(!group->icon(FileTreePanel::NameColumn).isNull());
        // The groups above it hint that something is inside; a clean sibling says nothing.
        QVERIFY(group->parent()->toolTip(FileTreePanel::NameColumn).contains(QStringLiteral("inside")));
        QVERIFY(!panel.itemForPath(QStringLiteral("/model_weights/dense_1"))->toolTip(0).contains(QStringLiteral("inside")));
        QVERIFY(!panel.itemForPath(QStringLiteral("/model_weights/dense_1"))->toolTip(0).contains(QStringLiteral("note")));
    }
};

QTEST_MAIN(TstFileTreePanel)
#include "tst_file_tree_panel.moc"
