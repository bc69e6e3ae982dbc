#include "bench_peers.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cli {
namespace fs = std::filesystem;

namespace {

// A peer that takes longer than this per problem is stopped and reported as failed.
constexpr int kPeerTimeoutSeconds = 900;

struct Child {
    int status = -1; // exit status, or −1 when it did not exit normally (killed, timed out)
    bool timedOut = false;
    std::string out, err;
};

// Variables that some machines set to make an old OpenBLAS safe on their processor: an older core
// type than the one OpenBLAS would detect, which slows its kernels several times (~3.8x for
// PyTorch's GRU here). A peer runs at its best, so they never reach one; the peer reports the
// kernel OpenBLAS then chose.
constexpr const char* kPeerUnset[] = {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"};

// Runs argv with extra environment entries (and without kPeerUnset), collects stdout and
// stderr, kills it after the timeout.
Child runChild(const std::vector<std::string>& argv, const std::vector<std::string>& env)
{
    Child c;
    int outPipe[2], errPipe[2];
    if (pipe2(outPipe, O_CLOEXEC) != 0 || pipe2(errPipe, O_CLOEXEC) != 0) {
        c.err = std::string("cannot make a pipe: ") + std::strerror(errno);
        return c;
    }
    // Everything the child needs is made before fork: the CLI has other threads (the cpu
    // backend's team), so the child may only call async-signal-safe functions until exec.
    std::vector<std::string> envStore;
    for (char** e = environ; *e; ++e) {
        const std::string kv = *e;
        const bool replaced = std::any_of(env.begin(), env.end(), [&](const std::string& o) {
            return kv.compare(0, o.find('=') + 1, o, 0, o.find('=') + 1) == 0;
        });
        const bool unset = std::any_of(std::begin(kPeerUnset), std::end(kPeerUnset), [&](const char* name) {
            return kv.compare(0, std::strlen(name) + 1, std::string(name) + "=") == 0;
        });
        if (!replaced && !unset)
            envStore.push_back(kv);
    }
    envStore.insert(envStore.end(), env.begin(), env.end());
    std::vector<char*> envp, args;
    for (std::string& e : envStore)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    for (const std::string& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    static const char kExecFailed[] = "cannot start the peer program\n";
    const pid_t pid = fork();
    if (pid < 0) {
        c.err = std::string("cannot start a process: ") + std::strerror(errno);
        return c;
    }
    if (pid == 0) {
        dup2(outPipe[1], 1);
        dup2(errPipe[1], 2);
        execvpe(args[0], args.data(), envp.data());
        (void)!write(2, kExecFailed, sizeof kExecFailed - 1);
        _exit(127);
    }
    close(outPipe[1]);
    close(errPipe[1]);
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&c.out, &c.err};
    int open = 2;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kPeerTimeoutSeconds);
    while (open > 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            kill(pid, SIGKILL);
            c.timedOut = true;
            break;
        }
        if (poll(fds, 2, int(std::min<long long>(left.count(), 1000))) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[4096];
            const ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                sinks[i]->append(buf, size_t(n));
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            }
        }
    }
    for (pollfd& f : fds)
        if (f.fd >= 0)
            close(f.fd);
    int status = 0;
    waitpid(pid, &status, 0);
    c.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return c;
}

void writeFloats(const std::string& path, const std::vector<float>& v)
{
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
    if (!f)
        throw std::runtime_error("cannot write " + path);
}

std::optional<std::vector<float>> readFloats(const std::string& path, size_t n)
{
    std::ifstream f(path, std::ios::binary);
    std::vector<float> v(n);
    if (!f.read(reinterpret_cast<char*>(v.data()), std::streamsize(n * sizeof(float))))
        return std::nullopt;
    return v;
}

std::string lastLine(const std::string& text)
{
    std::string t = text;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r'))
        t.pop_back();
    const auto nl = t.rfind('\n');
    return nl == std::string::npos ? t : t.substr(nl + 1);
}

std::string selfDir()
{
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string(".") : exe.parent_path().string();
}

} // namespace

PeerRunner::PeerRunner(std::string python, std::string kerasPython)
    : m_python(std::move(python)), m_kerasPython(std::move(kerasPython)), m_peerDir(selfDir())
{
    if (m_python.empty())
        m_python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    if (m_kerasPython.empty())
        m_kerasPython = m_python;
    std::string tmpl = (fs::temp_directory_path() / "gruscope-bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
        throw std::runtime_error("cannot make a scratch folder for the peers: " + std::string(std::strerror(errno)));
    m_dir = tmpl;
}

PeerRunner::~PeerRunner()
{
    std::error_code ec;
    fs::remove_all(m_dir, ec);
}

void PeerRunner::setProblem(const PeerProblem& p, const std::vector<float>& kernel, const std::vector<float>& recurrent,
                            const std::vector<float>& bias, const std::vector<float>& x)
{
    m_problem = p;
    writeFloats(m_dir + "/kernel.f32", kernel);
    writeFloats(m_dir + "/recurrent_kernel.f32", recurrent);
    writeFloats(m_dir + "/bias.f32", bias);
    writeFloats(m_dir + "/x.f32", x);
}

PeerTiming PeerRunner::time(const std::string& peer, const std::vector<int>& threads, const std::vector<float>& ours)
{
    PeerTiming best;
    best.peer = peer;
    const PeerProblem& p = m_problem;
    const auto n = [](int64_t v) { return std::to_string(v); };
    for (int th : threads) {
        std::vector<std::string> argv;
        std::vector<std::string> env = {"OMP_NUM_THREADS=" + std::to_string(th)};
        if (peer == "onednn") {
            const std::string exe = m_peerDir + "/gruscope-peer-onednn";
            if (!fs::exists(exe)) {
                best.why = "not installed (built only when oneDNN is present: libdnnl-dev)";
                return best;
            }
            argv = {exe, m_dir, n(p.B), n(p.T), n(p.I), n(p.U), p.resetAfter ? "1" : "0", n(p.warmup), n(p.runs)};
        } else {
            if (peer == "torch" && !p.resetAfter) {
                best.why = "n/a: PyTorch's nn.GRU has no reset_after=False form";
                return best;
            }
            argv = {peer == "keras" ? m_kerasPython : m_python, m_peerDir + "/gruscope-peer.py", peer, m_dir, n(p.B), n(p.T), n(p.I), n(p.U),
                    p.resetAfter ? "1" : "0", n(p.warmup), n(p.runs), n(th)};
        }
        std::error_code ec;
        fs::remove(m_dir + "/out.f32", ec);
        const Child c = runChild(argv, env);
        if (c.status == 3) {
            best.why = "not installed (" + (peer == "keras" ? m_kerasPython : m_python) + " cannot import " +
                       (peer == "torch" ? "torch" : "keras and tensorflow") + ")";
            return best;
        }
        if (c.status != 0) {
            best.why = c.timedOut ? "failed: no answer within " + std::to_string(kPeerTimeoutSeconds) + " s"
                                  : "failed: " + lastLine(c.err.empty() ? c.out : c.err);
            return best;
        }
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(lastLine(c.out));
        } catch (const nlohmann::json::exception&) {
            best.why = "failed: unreadable answer '" + lastLine(c.out) + "'";
            return best;
        }
        const double med = j.value("median_ms", 0.0), mn = j.value("min_ms", 0.0);
        if (!best.ran || med < best.medianMs) {
            best.ran = true;
            best.threads = th;
            best.medianMs = med;
            best.minMs = mn;
            best.version = j.value("version", std::string());
            best.kernel = j.value("kernel", std::string());
            best.maxAbsDiff = -1;
            if (auto out = readFloats(m_dir + "/out.f32", size_t(p.B * p.T * p.U)); out && out->size() == ours.size()) {
                double d = 0;
                for (size_t i = 0; i < ours.size(); ++i)
                    d = std::max(d, double(std::fabs((*out)[i] - ours[i])));
                best.maxAbsDiff = d;
            }
        }
    }
    return best;
}

} // namespace cli
