-- Why a commander stopped a patrol (optional).
ALTER TABLE "patrols" ADD COLUMN "endReason" TEXT;
