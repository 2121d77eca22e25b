-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Org" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "category" TEXT,
    "parentId" INTEGER,
    "rankUnitId" INTEGER,
    "officeId" INTEGER,
    "path" TEXT NOT NULL DEFAULT '',
    "memberTotal" INTEGER,
    "insuredHeadcount" INTEGER,
    "rankNote" TEXT,
    "groupChats" TEXT,
    "enrolmentTarget" INTEGER,
    "claimTargetBase" INTEGER,
    "previousParticipants" INTEGER,
    "restructured" BOOLEAN NOT NULL DEFAULT false,
    "entryBreach" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Org_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Org" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Org" ("category", "claimTargetBase", "code", "createdAt", "enrolmentTarget", "groupChats", "id", "insuredHeadcount", "kind", "memberTotal", "name", "officeId", "parentId", "path", "previousParticipants", "rankNote", "rankUnitId") SELECT "category", "claimTargetBase", "code", "createdAt", "enrolmentTarget", "groupChats", "id", "insuredHeadcount", "kind", "memberTotal", "name", "officeId", "parentId", "path", "previousParticipants", "rankNote", "rankUnitId" FROM "Org";
DROP TABLE "Org";
ALTER TABLE "new_Org" RENAME TO "Org";
CREATE UNIQUE INDEX "Org_code_key" ON "Org"("code");
CREATE INDEX "Org_parentId_idx" ON "Org"("parentId");
CREATE INDEX "Org_rankUnitId_idx" ON "Org"("rankUnitId");
CREATE INDEX "Org_officeId_idx" ON "Org"("officeId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
