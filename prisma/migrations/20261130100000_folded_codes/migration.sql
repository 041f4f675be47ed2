-- Call signs and unit codes are unique whatever their case or width: "kdv-01", "KDV-01" and "ＫＤＶ-01" (full-width)
-- name one vehicle. NFKC folds width and compatibility forms, lower() folds case. The exact-match unique indexes of
-- the schema stay (Prisma knows them); these are stricter. Prisma's schema cannot declare expression indexes.
CREATE UNIQUE INDEX "vehicles_callSign_folded_key" ON "vehicles" (lower(normalize("callSign", NFKC)));
CREATE UNIQUE INDEX "stations_code_folded_key" ON "stations" (lower(normalize("code", NFKC)));
CREATE UNIQUE INDEX "divisions_code_folded_key" ON "divisions" (lower(normalize("code", NFKC)));
CREATE UNIQUE INDEX "zones_code_folded_key" ON "zones" (lower(normalize("code", NFKC)));
CREATE UNIQUE INDEX "districts_code_folded_key" ON "districts" (lower(normalize("code", NFKC)));
