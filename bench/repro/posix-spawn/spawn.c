// Prototype: posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK), no page-table copy) for the
// worker's task start, and a non-blocking reap. bench/repro/spawn-cost.mjs's `posix` mode.
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *str(napi_env env, napi_value v) {
  size_t n = 0;
  napi_get_value_string_utf8(env, v, NULL, 0, &n);
  char *s = malloc(n + 1);
  napi_get_value_string_utf8(env, v, s, n + 1, &n);
  return s;
}

static char **strv(napi_env env, napi_value arr) {
  uint32_t n = 0;
  napi_get_array_length(env, arr, &n);
  char **v = calloc(n + 1, sizeof(char *));
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, arr, i, &e);
    v[i] = str(env, e);
  }
  return v;
}

static void freev(char **v) {
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

// spawn(file, argv[], envp[], cwd, stdoutFd, stderrFd) -> pid > 0, or -errno
static napi_value Spawn(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value a[6];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  char *file = str(env, a[0]);
  char **argv = strv(env, a[1]);
  char **envp = strv(env, a[2]);
  char *cwd = str(env, a[3]);
  int32_t out, err;
  napi_get_value_int32(env, a[4], &out);
  napi_get_value_int32(env, a[5], &err);
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out, 1);
  posix_spawn_file_actions_adddup2(&fa, err, 2);
  posix_spawn_file_actions_addchdir_np(&fa, cwd);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&at, &all);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setpgroup(&at, 0);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, file, &fa, &at, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  free(file);
  free(cwd);
  freev(argv);
  freev(envp);
  napi_value r;
  napi_create_int32(env, rc == 0 ? pid : -rc, &r);
  return r;
}

// reap(pid) -> undefined while it runs, else [code, signal] (one of them -1)
static napi_value Reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  int32_t pid;
  napi_get_value_int32(env, a[0], &pid);
  int st = 0;
  pid_t got;
  do got = waitpid(pid, &st, WNOHANG);
  while (got < 0 && errno == EINTR);
  napi_value r;
  if (got == 0) {
    napi_get_undefined(env, &r);
    return r;
  }
  napi_value code, sig;
  napi_create_array_with_length(env, 2, &r);
  napi_create_int32(env, got < 0 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : -1, &code);
  napi_create_int32(env, got > 0 && WIFSIGNALED(st) ? WTERMSIG(st) : -1, &sig);
  napi_set_element(env, r, 0, code);
  napi_set_element(env, r, 1, sig);
  return r;
}

NAPI_MODULE_INIT() {
  napi_value f;
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, Spawn, NULL, &f);
  napi_set_named_property(env, exports, "spawn", f);
  napi_create_function(env, "reap", NAPI_AUTO_LENGTH, Reap, NULL, &f);
  napi_set_named_property(env, exports, "reap", f);
  return exports;
}
