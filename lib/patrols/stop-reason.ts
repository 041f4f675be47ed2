/** Longest reason a user may give for stopping a patrol: 200 characters (the stop dialog's counter, the API's limit). */
export const STOP_REASON_MAX = 200;
