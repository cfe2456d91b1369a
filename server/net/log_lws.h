/* Routes libwebsockets' log lines through pl_log. */
#ifndef PL_LOG_LWS_H
#define PL_LOG_LWS_H

/* Errors always; warnings and notices too when the threshold is debug.
 * Call once, after the log level is set. */
void pl_log_route_lws(void);

#endif
