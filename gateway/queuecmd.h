/* queuecmd - `scrubgate queue`: look at and act on the delivery spool.
 *
 *   scrubgate queue [-c CONF]              list: id, age, attempts, next
 *                                          try, recipients, last error
 *   scrubgate queue [-c CONF] flush        retry everything now
 *   scrubgate queue [-c CONF] delete ID... remove messages from queue/
 *
 * flush asks a running queue manager (SPOOL/qmgr.pid, SIGUSR2); with
 * none running it delivers in this process and waits.  Exit codes:
 * sysexits (EX_CONFIG, EX_NOINPUT for an unknown id, EX_IOERR).
 */
#ifndef SCRUBGATE_QUEUECMD_H
#define SCRUBGATE_QUEUECMD_H

/* queuecmd_main - argv[0] is "queue" */
int queuecmd_main(int argc, char **argv);

#endif
