package cli

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/pipeline"
)

func newPromoteCmd() *cobra.Command {
	var req pipeline.Request
	var detach bool
	cmd := &cobra.Command{
		Use:   "promote APP --to ENV",
		Short: "Take what runs in one environment, by digest, to another (berth rollout promote continues a paused rollout)",
		Long: `Take the images of APP's live revision in one environment, by digest, and
roll them out in the environment --to names, with the target's own spec:
what passed in integration is what runs in production, byte for byte.

The source is --from, else the environment the target's promotion rule in
berth.yaml names, else the one before the target. --revision N refuses
the promotion unless revision N is what runs in the source now. A source
revision that is not healthy, failed its verification or was rolled back
is refused, and so is one whose digests the target runs already. When git
manages the app in the target, the promotion is committed there first.

When the target's rule asks for approval (approval: manual), the
promotion waits: the command says so, prints the berth approve command
that releases it, and exits 0. Otherwise the new revision's rollout is
shown as it happens, as berth deploy shows it; the command exits 1 when
it failed, was rolled back or was aborted. Ctrl-C stops watching.

Not to be confused with berth rollout promote APP, which tells a rollout
in progress to go on (switch a blue-green set, end a canary pause).`,
		Example: `  berth promote shop --to production
  berth promote shop --to qa --from integration --revision 12
  berth promote shop --to production --detach`,
		Args: appArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if req.To == "" {
				return fmt.Errorf("say which environment to promote %s to: --to ENV (berth pipeline %s shows where it stands)", args[0], args[0])
			}
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			req.App = args[0]
			var ans api.PromotionAnswer
			if err := c.send(cmd.Context(), http.MethodPost, "/api/apps/"+url.PathEscape(args[0])+"/promotions", nil, req, &ans); err != nil {
				return err
			}
			return promoted(cmd, c, args[0], ans, detach)
		},
	}
	cmd.Flags().StringVar(&req.To, "to", "", "the environment to roll the digests out in (required)")
	cmd.Flags().StringVar(&req.From, "from", "", "the environment to take them from (default: the target's rule, else the one before it)")
	cmd.Flags().IntVar(&req.Revision, "revision", 0, "refuse unless this revision is what runs in the source")
	cmd.Flags().BoolVar(&detach, "detach", false, "start the rollout and return without following it")
	addServerFlags(cmd)
	return cmd
}

func newApproveCmd() *cobra.Command {
	var detach bool
	cmd := &cobra.Command{
		Use:   "approve APP --env ENV",
		Short: "Release the promotion of an app that waits for approval to go into an environment",
		Long: `Approve the promotion of APP waiting to go into the environment --env
names (one whose promotion rule says approval: manual). The source revision
must still run and still pass the rule; it is then rolled out, with you
recorded as the approver, and its rollout is shown as berth promote shows
it. berth pipeline shows what waits.`,
		Example: `  berth approve shop --env production
  berth approve shop --env production --detach`,
		Args: appArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			if c.env == "" {
				return fmt.Errorf("say which environment the promotion of %s waits to go into: --env ENV (berth pipeline %s shows it)", args[0], args[0])
			}
			var ans api.PromotionAnswer
			body := api.ApproveRequest{Env: c.env}
			if err := c.send(cmd.Context(), http.MethodPost, "/api/apps/"+url.PathEscape(args[0])+"/approvals", nil, body, &ans); err != nil {
				return err
			}
			return promoted(cmd, c, args[0], ans, detach)
		},
	}
	// Not BERTH_ENV: an approval names its environment every time.
	cmd.Flags().String("env", "", "the environment the promotion waits to go into (required)")
	cmd.Flags().BoolVar(&detach, "detach", false, "start the rollout and return without following it")
	addServerFlags(cmd)
	return cmd
}

// promoted reports the answer to a promotion or an approval and, unless
// detach, follows the rollout it started.
func promoted(cmd *cobra.Command, c *apiClient, app string, ans api.PromotionAnswer, detach bool) error {
	out := cmd.OutOrStdout()
	if w := ans.Waiting; w != nil {
		fmt.Fprintf(out, "revision %d of %s/%s waits for approval to go into %s%s\n", w.Revision, w.From, app, w.Env, askedBy(w.By))
		fmt.Fprintf(out, "approve it with: berth approve %s --env %s\n", app, w.Env)
		return nil
	}
	rev := ans.Revision
	if rev == nil {
		return errors.New("the server's answer names neither a revision nor a promotion waiting for approval")
	}
	how := promotionText(rev.Promotion)
	if ans.Source != "" {
		how = strings.TrimPrefix(how+", committed to git source "+ans.Source, ", ")
	}
	if how != "" {
		how = " (" + how + ")"
	}
	fmt.Fprintf(out, "revision %d of %s started%s\n", rev.Number, envApp(rev.Env, app), how)
	if detach {
		fmt.Fprintf(out, "rolling out in the background; see berth status %s%s\n", app, envArg(rev.Env))
		return nil
	}
	return followRollout(cmd, c.inEnv(rev.Env), app, rev.Number, out)
}

// askedBy says who asked for a promotion that waits.
func askedBy(by string) string {
	switch by {
	case "":
		return ""
	case "auto":
		return " (promoted by the environment's rule)"
	}
	return " (asked by " + by + ")"
}

// promotionText says where a revision's digests came from: "promoted
// from integration revision 4, approved by alice"; "" when it was no
// promotion.
func promotionText(p *deploy.Promotion) string {
	if p == nil {
		return ""
	}
	s := fmt.Sprintf("promoted from %s revision %d", p.From, p.Revision)
	if p.Approver != "" {
		s += ", approved by " + p.Approver
	}
	return s
}

// withPromotion puts where a revision's digests came from before the
// rest of its note in berth history.
func withPromotion(note string, p *deploy.Promotion) string {
	if p == nil {
		return note
	}
	s := fmt.Sprintf("promoted from %s revision %d", p.From, p.Revision)
	if p.Approver != "" {
		s += " (approved by " + p.Approver + ")"
	}
	if note == "" {
		return s
	}
	return s + "; " + note
}
