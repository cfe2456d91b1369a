/* Password verification on worker threads; see kdf_pool.h. */
#include "kdf_pool.h"

#include <string.h>

#include <glib.h>
#include <openssl/crypto.h>

#include "password.h"

/* A valid scrypt hash (ln=15) of a random password nobody knows: verifying
 * against it costs what a real verification costs and always fails. */
static const char dummy_hash[] = "$scrypt$ln=15,r=8,p=1$c2l4dGVlbi1ieXRlLXNhbHQ=$"
                                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

struct pl_kdf_job {
    char *password;
    char *encoded;
    int result;
    int cancelled; /* main thread only */
    pl_kdf_cb cb;
    void *user;
};

static GThreadPool *pool;
/* Reservations and jobs not yet delivered back; main loop only. */
static int outstanding, max_outstanding;

static void job_free(struct pl_kdf_job *job)
{
    if (job->password) {
        OPENSSL_cleanse(job->password, strlen(job->password));
        g_free(job->password);
    }
    g_free(job->encoded);
    g_free(job);
}

/* On the main loop. */
static gboolean deliver(gpointer data)
{
    struct pl_kdf_job *job = data;
    outstanding--;
    if (!job->cancelled)
        job->cb(job->user, job->result);
    job_free(job);
    return G_SOURCE_REMOVE;
}

/* On a pool thread: touches only the job. */
static void work(gpointer data, gpointer unused)
{
    struct pl_kdf_job *job = data;
    int r = pl_password_verify(job->password, job->encoded ? job->encoded : dummy_hash);
    job->result = job->encoded ? r : 0;
    OPENSSL_cleanse(job->password, strlen(job->password));
    /* GLib parks idle pool threads in a process-wide list instead of ending
     * them, so they may outlive OPENSSL_cleanup at exit and their per-thread
     * OpenSSL state would be lost (LeakSanitizer saw it). Give it back after
     * every job: cheap next to an scrypt run. */
    OPENSSL_thread_stop();
    g_main_context_invoke(NULL, deliver, job);
}

void pl_kdf_pool_start(int threads, int max_jobs)
{
    max_outstanding = max_jobs;
    if (!pool)
        pool = g_thread_pool_new(work, NULL, threads, FALSE, NULL);
}

void pl_kdf_pool_stop(void)
{
    if (pool) {
        g_thread_pool_free(pool, FALSE, TRUE);
        pool = NULL;
    }
}

int pl_kdf_reserve(void)
{
    if (outstanding >= max_outstanding)
        return -1;
    outstanding++;
    return 0;
}

void pl_kdf_release(void)
{
    if (outstanding > 0)
        outstanding--;
}

struct pl_kdf_job *pl_kdf_verify(const char *password, const char *encoded, pl_kdf_cb cb,
                                 void *user)
{
    struct pl_kdf_job *job = g_new0(struct pl_kdf_job, 1);
    job->password = g_strdup(password);
    job->encoded = encoded ? g_strdup(encoded) : NULL;
    job->cb = cb;
    job->user = user;
    g_thread_pool_push(pool, job, NULL);
    return job;
}

void pl_kdf_cancel(struct pl_kdf_job *job)
{
    job->cancelled = 1;
}
