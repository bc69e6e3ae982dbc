// FileTreePanel: the open weight file as a tree — HDF5 groups, datasets (shape, dtype) and
// attributes (value), a .keras archive's members — with the validator's diagnostics on the nodes
// they name (a warning icon and the message as tooltip; the groups above them say how many lie
// inside), a filter box, and the links to the layers: the GRU tensors are labelled with their
// layer and role, clicking one of the current layer shows it in the Weights view
// (tensorActivated), clicking one of another layer asks for that layer (layerRequested). The
// current layer's group and tensors are bold and expanded to.
//
// It shows what gruscope-parse already read (LoadedWeightFile::fileTree): it never opens the file.
#pragma once

#include "gruscope/isolated_parse.h"

#include <QHash>
#include <QWidget>

#include <memory>
#include <optional>

class QLabel;
class QLineEdit;
class QStackedWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace gsui {

// Which GRU tensor a dataset path is: the index into info.layers and "kernel",
// "recurrent_kernel" or "bias" (Keras 1's nine arrays go W, U, b per gate). nullopt otherwise.
struct TensorRole {
    int layer = -1;
    QString role;
};
std::optional<TensorRole> tensorRole(const gruscope::WeightFileInfo& info, const std::string& path);

class FileTreePanel : public QWidget {
    Q_OBJECT
public:
    enum Column { NameColumn, ShapeColumn, TypeColumn, ValueColumn };

    explicit FileTreePanel(QWidget* parent = nullptr);

    // The file to show (null: the hint that a weight file shows its structure here), and which
    // of its layers the window shows (−1: none).
    void setFile(std::shared_ptr<const gruscope::LoadedWeightFile> file, int currentLayer = -1);
    void setCurrentLayer(int index);
    const gruscope::LoadedWeightFile* file() const { return m_file.get(); }
    int currentLayer() const { return m_current; }

    // Shows the nodes whose name or path contains `text` (any case) and the groups above them.
    void setFilter(const QString& text);
    // Expands the tree to layer `index`'s group and tensors and scrolls to it.
    void expandToLayer(int index);

    // For tests and the window.
    QTreeWidget* view() const { return m_tree; }
    QLineEdit* filterBox() const { return m_filter; }
    bool showingHint() const;
    QString hintText() const;
    QTreeWidgetItem* itemForPath(const QString& path) const; // null when not shown
    static QString pathOf(const QTreeWidgetItem* item);

signals:
    // A tensor of the current layer was clicked: "kernel", "recurrent_kernel" or "bias".
    void tensorActivated(const QString& role);
    // A tensor of another GRU layer of the file was clicked: its index into info.layers.
    void layerRequested(int index, const QString& role);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuild();
    void fitColumns();
    int deepestOpenLevel() const; // of the rows that can be seen; 0 = top level
    void markCurrentLayer();
    void onItemClicked(QTreeWidgetItem* item);

    std::shared_ptr<const gruscope::LoadedWeightFile> m_file;
    int m_current = -1;
    QStackedWidget* m_stack;
    QLabel* m_hint;
    QLabel* m_summary;
    QLineEdit* m_filter;
    QTreeWidget* m_tree;
    QHash<QString, QTreeWidgetItem*> m_items; // by FileTreeNode::path
};

} // namespace gsui
