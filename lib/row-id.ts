/** Largest id a row can have: ids are PostgreSQL `integer`s, and a larger value makes the query itself fail. */
export const MAX_ROW_ID = 2_147_483_647;
