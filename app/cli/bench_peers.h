// The peers `gruscope-cli bench` times beside GruScope: oneDNN's GRU primitive (the program
// gruscope-peer-onednn, built when oneDNN is present), PyTorch's nn.GRU and Keras's GRU layer
// (gruscope-peer.py, when the framework imports). Each runs in its own process on the same
// weights and inputs, written to a scratch folder as raw float32, and writes its outputs back so
// that the bench can say how far they are from GruScope's. Peers run at their best: without the
// OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE that some machines set, and each says which kernel it used.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cli {

struct PeerProblem {
    int64_t B = 0, T = 0, I = 0, U = 0;
    bool resetAfter = true;
    int warmup = 2, runs = 7;
};

struct PeerTiming {
    std::string peer;     // "onednn", "torch", "keras"
    bool ran = false;
    std::string why;      // when not ran: not installed, cannot express this call, failed (stderr)
    std::string version;
    std::string kernel;   // the BLAS or ISA the peer ran on, as it reports it ("OpenBLAS 0.3.21 Haswell, ...")
    int threads = 1;      // the thread count of the faster of the runs
    double medianMs = 0, minMs = 0;
    double maxAbsDiff = -1; // from GruScope's outputs; −1 when not compared
};

class PeerRunner {
public:
    // `python`: the interpreter for the PyTorch peer, and for Keras unless `kerasPython` names
    // another (Keras and TensorFlow usually live in a virtual environment of their own). Empty:
    // /usr/bin/python3, else python3 on PATH. Throws std::runtime_error when no scratch folder
    // can be made.
    PeerRunner(std::string python, std::string kerasPython);
    ~PeerRunner();
    PeerRunner(const PeerRunner&) = delete;
    PeerRunner& operator=(const PeerRunner&) = delete;

    // Writes the problem's weights (Keras layouts) and inputs (B, T, I) for the peers.
    void setProblem(const PeerProblem& p, const std::vector<float>& kernel, const std::vector<float>& recurrent,
                    const std::vector<float>& bias, const std::vector<float>& x);

    // Times `peer` at each thread count in `threads`, keeps the fastest, and compares its outputs
    // with `ours` (B, T, U).
    PeerTiming time(const std::string& peer, const std::vector<int>& threads, const std::vector<float>& ours);

    // Where gruscope-peer-onednn and gruscope-peer.py are looked for (beside gruscope-cli).
    const std::string& peerDir() const { return m_peerDir; }

private:
    std::string m_python, m_kerasPython, m_peerDir, m_dir;
    PeerProblem m_problem;
};

} // namespace cli
