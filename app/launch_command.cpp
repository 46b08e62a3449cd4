// unipose launch --nproc N -- <command>: starts N local ranks of a training command and waits for them.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "app/commands.h"
#include "core/error.h"

namespace unipose::app {

namespace {
std::vector<pid_t> g_children;
volatile sig_atomic_t g_stop_signal = 0;
void forward_signal(int sig) {
  g_stop_signal = sig;
  for (pid_t p : g_children) kill(p, sig);
}
}  // namespace

void add_launch_command(CLI::App& app) {
  struct Options {
    int nproc = 2;
    int port = 29500;
    std::vector<std::string> command;
  };
  auto o = std::make_shared<Options>();
  auto* launch = app.add_subcommand("launch", "Run a training command as N local data-parallel processes (ranks)");
  launch->add_option("--nproc", o->nproc, "Number of local processes")->check(CLI::Range(1, 256));
  launch->add_option("--master-port", o->port, "Port of the rendezvous store on 127.0.0.1")->check(CLI::Range(1024, 65535));
  launch->add_option("command", o->command, "The training command, after --, e.g. -- train tokenizer --data D --out R")->required();
  launch->callback([o] {
    char exe[4096];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) throw Error("cannot find the unipose program to start");
    exe[n] = '\0';
    g_children.clear();
    for (int rank = 0; rank < o->nproc; ++rank) {
      std::vector<std::string> args = {exe};
      args.insert(args.end(), o->command.begin(), o->command.end());
      for (const std::string& a : {std::string("--world-size"), std::to_string(o->nproc), std::string("--rank"),
                                   std::to_string(rank), std::string("--master"), "127.0.0.1:" + std::to_string(o->port)})
        args.push_back(a);
      const pid_t pid = fork();
      if (pid < 0) throw Error("cannot start rank " + std::to_string(rank));
      if (pid == 0) {
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(exe, argv.data());
        _exit(127);
      }
      g_children.push_back(pid);
    }
    signal(SIGINT, forward_signal);
    signal(SIGTERM, forward_signal);
    int failed_rank = -1, failed_status = 0;
    for (size_t i = 0; i < g_children.size(); ++i) {
      int status = 0;
      waitpid(g_children[i], &status, 0);
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      // Ranks stopped by Ctrl+C or SIGTERM checkpointed and exited 128 + the signal: stopped, not failed.
      if (g_stop_signal != 0 && (code == 128 + SIGINT || code == 128 + SIGTERM)) continue;
      if (code != 0 && failed_rank < 0) {
        failed_rank = static_cast<int>(i);
        failed_status = code;
        forward_signal(SIGTERM);  // one rank failed: the others would wait for it forever
      }
    }
    if (failed_rank >= 0) throw Error("rank " + std::to_string(failed_rank) + " failed with exit status " + std::to_string(failed_status));
    if (g_stop_signal != 0) {
      std::printf("stopped by signal %d: every rank checkpointed (continue with --resume)\n", static_cast<int>(g_stop_signal));
      throw ExitStatus{128 + g_stop_signal};
    }
    std::printf("all %d ranks finished\n", o->nproc);
  });
}

}  // namespace unipose::app
