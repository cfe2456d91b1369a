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

/* Starts the pool (threads run concurrently at most). Call once. */
void pl_kdf_pool_start(int threads);

/* Waits for running jobs and stops the pool; pending callbacks are dropped. */
void pl_kdf_pool_stop(void);

/*
 * Verifies password against encoded (both copied; the copy of the password
 * is wiped after use). encoded NULL verifies against a dummy hash of the
 * same cost, so an unknown account takes as long as a wrong password.
 * Returns the job, valid until its callback runs or it is cancelled.
 */
struct pl_kdf_job *pl_kdf_verify(const char *password, const char *encoded, pl_kdf_cb cb,
                                 void *user);

/* The callback will not run. Call only before it has run. */
void pl_kdf_cancel(struct pl_kdf_job *job);

#endif
