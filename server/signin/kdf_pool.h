/*
 * Password verification off the main loop. scrypt takes tens of
 * milliseconds and 32 MiB by design; run on the loop it would stall every
 * WebSocket client. A small GThreadPool runs it and hands the result back to
 * the main context (g_main_context_invoke), where the callback runs.
 */
#ifndef PL_KDF_POOL_H
#define PL_KDF_POOL_H

struct pl_kdf_job;

/* result: 1 match, 0 no match, -1 malformed hash or KDF failure. Runs on
 * the main loop thread. */
typedef void (*pl_kdf_cb)(void *user, int result);

/* Starts the pool (threads run concurrently at most; max_jobs waiting or
 * running at most, see pl_kdf_reserve). Call once. */
void pl_kdf_pool_start(int threads, int max_jobs);

/*
 * Reserves a place for one verification: 0, or -1 when max_jobs are
 * already waiting or running (refuse the login then: a queue without bound
 * lets anyone make every real login wait behind their guesses). A
 * reservation is used by pl_kdf_verify or given back by pl_kdf_release; a
 * verification holds its place until its result is back on the loop, even
 * if cancelled (its scrypt still runs). Main loop only.
 */
int pl_kdf_reserve(void);
void pl_kdf_release(void);

/* Waits for running jobs and stops the pool; pending callbacks are dropped. */
void pl_kdf_pool_stop(void);

/*
 * Verifies password against encoded (both copied; the copy of the password
 * is wiped after use). encoded NULL verifies against a dummy hash of the
 * same cost, so an unknown account takes as long as a wrong password.
 * Uses a reservation made with pl_kdf_reserve. Returns the job, valid
 * until its callback runs or it is cancelled.
 */
struct pl_kdf_job *pl_kdf_verify(const char *password, const char *encoded, pl_kdf_cb cb,
                                 void *user);

/* The callback will not run. Call only before it has run. */
void pl_kdf_cancel(struct pl_kdf_job *job);

#endif
