CREATE TABLE "deployments" (
	"id" text PRIMARY KEY NOT NULL,
	"environment" text NOT NULL,
	"run_id" text NOT NULL,
	"stage_id" text NOT NULL,
	"sha" text NOT NULL,
	"artifacts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"approvers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"kind" text NOT NULL,
	"requested_by" text,
	"status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "test_cases" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"report_id" text NOT NULL,
	"run_id" text NOT NULL,
	"job_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"suite" text NOT NULL,
	"class_name" text NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"duration_ms" integer,
	"message" text,
	"output" text,
	"flaky" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "test_reports" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"job_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"path" text NOT NULL,
	"status" text NOT NULL,
	"problem" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_stage_id_stages_id_fk" FOREIGN KEY ("stage_id") REFERENCES "public"."stages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "test_cases" ADD CONSTRAINT "test_cases_report_id_test_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."test_reports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "test_cases" ADD CONSTRAINT "test_cases_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "test_cases" ADD CONSTRAINT "test_cases_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "test_reports" ADD CONSTRAINT "test_reports_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "test_reports" ADD CONSTRAINT "test_reports_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deployments_environment_idx" ON "deployments" USING btree ("environment","created_at");--> statement-breakpoint
CREATE INDEX "deployments_stage_idx" ON "deployments" USING btree ("stage_id");--> statement-breakpoint
CREATE INDEX "test_cases_run_idx" ON "test_cases" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "test_cases_report_idx" ON "test_cases" USING btree ("report_id");--> statement-breakpoint
CREATE UNIQUE INDEX "test_reports_job_attempt_path_unique" ON "test_reports" USING btree ("job_id","attempt","path");--> statement-breakpoint
CREATE INDEX "test_reports_run_idx" ON "test_reports" USING btree ("run_id");