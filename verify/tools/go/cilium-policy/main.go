// Command cilium-policy asks Cilium's own policy engine, the repository,
// selector cache and distilled per-endpoint policy maps that the agent runs,
// whether each flow of a list is allowed under a set of rendered policies.
//
// Input (stdin, JSON): the namespaces with their labels, the endpoints (pods
// with labels and a ServiceAccount, Cilium entities, or addresses outside the
// cluster), every CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy and
// NetworkPolicy, and the flows. Output (stdout, JSON): per flow, the egress
// and ingress decisions, and for HTTP requests the L7 verdict.
//
// No dataplane runs: what is judged is the policy map the agent would write
// to BPF for each endpoint (policy.LookupFlow's method), plus, for connections
// redirected to the proxy, the HTTP rules Cilium hands to Envoy, matched as
// Envoy matches them (RE2, whole string).
package main

import (
	"encoding/json"

	"fmt"
	envoy_config_route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	envoy_type_matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"github.com/cilium/cilium/pkg/crypto/certificatemanager"
	"github.com/cilium/cilium/pkg/endpoint/regeneration"
	envoypolicy "github.com/cilium/cilium/pkg/envoy/policy"
	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/identity/identitymanager"
	ipcachetypes "github.com/cilium/cilium/pkg/ipcache/types"
	k8sPolicy "github.com/cilium/cilium/pkg/k8s"
	k8sConst "github.com/cilium/cilium/pkg/k8s/apis/cilium.io"
	k8sCiliumV2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	slim_networkingv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/api/networking/v1"
	k8sUtils "github.com/cilium/cilium/pkg/k8s/utils"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/labelsfilter"
	"github.com/cilium/cilium/pkg/option"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/policy/types"
	"github.com/cilium/cilium/pkg/policy/utils"
	"github.com/cilium/cilium/pkg/spanstat"
	testpolicy "github.com/cilium/cilium/pkg/testutils/policy"
	"github.com/cilium/cilium/pkg/u8proto"
)

type namespace struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
}

func (n namespace) GetName() string              { return n.Name }
func (n namespace) GetLabels() map[string]string { return n.Labels }

// endpoint is one side of a flow: a pod, a Cilium entity, or an address.
type endpoint struct {
	Name           string            `json:"name"`
	Namespace      string            `json:"namespace,omitempty"`
	Labels         map[string]string `json:"labels,omitempty"`
	ServiceAccount string            `json:"serviceAccount,omitempty"`
	Entity         string            `json:"entity,omitempty"`
	Address        string            `json:"address,omitempty"`
}

type httpRequest struct {
	Method string `json:"method"`
	Path   string `json:"path"`
}

type flow struct {
	From     string       `json:"from"`
	To       string       `json:"to"`
	Port     uint16       `json:"port"`
	Protocol string       `json:"protocol"`
	HTTP     *httpRequest `json:"http,omitempty"`
}

type input struct {
	ClusterName string            `json:"clusterName"`
	Namespaces  []namespace       `json:"namespaces"`
	Endpoints   []endpoint        `json:"endpoints"`
	Policies    []json.RawMessage `json:"policies"`
	Flows       []flow            `json:"flows"`
}

type verdict struct {
	Egress  string `json:"egress"`
	Ingress string `json:"ingress"`
	// Proxied is true when the destination's policy sends the connection to the L7 proxy.
	Proxied bool `json:"proxied"`
	// HTTP is the proxy's answer to the flow's request, when it has one: "allowed" or "denied".
	HTTP    string `json:"http,omitempty"`
	Allowed bool   `json:"allowed"`
}

type output struct {
	Identities map[string]string `json:"identities"`
	Rules      int               `json:"rules"`
	Verdicts   []verdict         `json:"verdicts"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "cilium-policy: "+format+"\n", args...)
	os.Exit(1)
}

type objectHead struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

// parsePolicy turns one rendered object into policy entries with the parsers the agent's watchers call.
func parsePolicy(logger *slog.Logger, clusterName string, raw json.RawMessage) (types.PolicyEntries, ipcachetypes.ResourceID, string, error) {
	var head objectHead
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, "", "", err
	}
	name := fmt.Sprintf("%s %s/%s", head.Kind, head.Metadata.Namespace, head.Metadata.Name)
	// The resource IDs the agent's watchers file rules under: the repository reads the namespace from them.
	resource := func(kind ipcachetypes.ResourceKind) ipcachetypes.ResourceID {
		return ipcachetypes.NewResourceID(kind, head.Metadata.Namespace, head.Metadata.Name)
	}
	switch {
	case head.APIVersion == "cilium.io/v2" && head.Kind == "CiliumNetworkPolicy":
		var cnp k8sCiliumV2.CiliumNetworkPolicy
		if err := json.Unmarshal(raw, &cnp); err != nil {
			return nil, "", name, err
		}
		rules, err := cnp.Parse(logger, clusterName)
		if err != nil {
			return nil, "", name, err
		}
		return utils.RulesToPolicyEntries(rules), resource(ipcachetypes.ResourceKindCNP), name, nil
	case head.APIVersion == "cilium.io/v2" && head.Kind == "CiliumClusterwideNetworkPolicy":
		var ccnp k8sCiliumV2.CiliumClusterwideNetworkPolicy
		if err := json.Unmarshal(raw, &ccnp); err != nil {
			return nil, "", name, err
		}
		rules, err := ccnp.Parse(logger, clusterName)
		if err != nil {
			return nil, "", name, err
		}
		return utils.RulesToPolicyEntries(rules), resource(ipcachetypes.ResourceKindCCNP), name, nil
	case head.APIVersion == "networking.k8s.io/v1" && head.Kind == "NetworkPolicy":
		var np slim_networkingv1.NetworkPolicy
		if err := json.Unmarshal(raw, &np); err != nil {
			return nil, "", name, err
		}
		entries, err := k8sPolicy.ParseNetworkPolicy(logger, clusterName, &np)
		return entries, resource(ipcachetypes.ResourceKindNetpol), name, err
	}
	return nil, "", name, fmt.Errorf("not a policy kind Cilium enforces")
}

// identityLabels are the labels the agent gives a pod's identity: its own, its namespace's, its
// ServiceAccount and cluster (k8sUtils.SanitizePodLabels), filtered as the agent filters them.
func identityLabels(ep endpoint, namespaces map[string]namespace, clusterName string) (labels.Labels, error) {
	switch {
	case ep.Entity != "":
		id := identity.GetReservedID(ep.Entity)
		if id == identity.IdentityUnknown {
			return nil, fmt.Errorf("endpoint %s: %q is not a reserved identity of Cilium", ep.Name, ep.Entity)
		}
		return identity.LookupReservedIdentity(id).Labels, nil
	case ep.Address != "":
		addr, err := netip.ParseAddr(ep.Address)
		if err != nil {
			return nil, fmt.Errorf("endpoint %s: %w", ep.Name, err)
		}
		return labels.GetCIDRLabels(netip.PrefixFrom(addr, addr.BitLen())), nil
	}
	ns, ok := namespaces[ep.Namespace]
	if !ok {
		return nil, fmt.Errorf("endpoint %s: namespace %q is not in the input", ep.Name, ep.Namespace)
	}
	podLabels := map[string]string{}
	for k, v := range ep.Labels {
		podLabels[k] = v
	}
	all := labels.Map2Labels(k8sUtils.SanitizePodLabels(podLabels, ns, ep.ServiceAccount, clusterName), labels.LabelSourceK8s)
	kept, _ := labelsfilter.Filter(all)
	return kept, nil
}

// headerMatches applies one of the Envoy header matchers Cilium translates an HTTP rule into, as Envoy
// applies it: safe_regex is RE2 against the whole value, exact is equality, present is presence.
func headerMatches(m *envoy_config_route.HeaderMatcher, headers map[string]string) (bool, error) {
	value, present := headers[m.Name]
	var matched bool
	switch spec := m.HeaderMatchSpecifier.(type) {
	case *envoy_config_route.HeaderMatcher_PresentMatch:
		matched = present == spec.PresentMatch
	case *envoy_config_route.HeaderMatcher_StringMatch:
		switch pattern := spec.StringMatch.MatchPattern.(type) {
		case *envoy_type_matcher.StringMatcher_SafeRegex:
			re, err := regexp.Compile("^(?:" + pattern.SafeRegex.Regex + ")$")
			if err != nil {
				return false, err
			}
			matched = present && re.MatchString(value)
		case *envoy_type_matcher.StringMatcher_Exact:
			matched = present && value == pattern.Exact
		default:
			return false, fmt.Errorf("header %s: string matcher %T is not judged by this harness", m.Name, pattern)
		}
	default:
		return false, fmt.Errorf("header %s: matcher %T is not judged by this harness", m.Name, spec)
	}
	return matched != m.InvertMatch, nil
}

// httpVerdict takes the HTTP rules the destination's policy hands the proxy for this source and
// port, in Cilium's own translation to Envoy's matchers, and asks whether any admits the request.
func httpVerdict(repo *policy.Repository, selPol policy.SelectorPolicy, namespace string, from identity.NumericIdentity, port uint16, proto u8proto.U8proto, req httpRequest) (string, error) {
	headers := map[string]string{":method": req.Method, ":path": req.Path}
	found := false
	for filter, tuple := range selPol.RedirectFilters() {
		if !filter.Ingress || filter.U8Proto != proto || !(filter.Port == port || (filter.Port <= port && port <= filter.EndPort)) {
			continue
		}
		if tuple.Selector == nil || !tuple.Selector.Selects(from) || tuple.Policy == nil {
			continue
		}
		found = true
		if len(tuple.Policy.L7Rules.HTTP) == 0 {
			// An L7 wildcard: another rule allows this peer at L4, so the proxy lets every request through.
			return "allowed", nil
		}
		rules, _ := repo.GetEnvoyHTTPRules(&tuple.Policy.L7Rules, namespace)
		for _, rule := range rules.GetHttpRules() {
			if len(rule.GetHeaderMatches()) > 0 {
				return "", fmt.Errorf("HTTP header-match actions are not judged by this harness")
			}
			all := true
			for _, m := range rule.GetHeaders() {
				ok, err := headerMatches(m, headers)
				if err != nil {
					return "", err
				}
				all = all && ok
			}
			if all {
				return "allowed", nil
			}
		}
	}
	if !found {
		return "", fmt.Errorf("the policy map redirects to the proxy, but no HTTP rule selects the source")
	}
	return "denied", nil
}

func decision(e policy.MapStateEntry) string {
	if e.IsDeny() {
		return "denied"
	}
	return "allowed"
}

// owner is the endpoint a policy is distilled for, as policy.LookupFlow's own stands in for one:
// no named ports (our rules use numbers), nothing to regenerate.
type owner struct{ id uint64 }

func (o owner) GetID() uint64                                     { return o.id }
func (o owner) GetNamedPort(bool, string, u8proto.U8proto) uint16 { return 0 }
func (o owner) PolicyDebug(string, ...any)                        {}
func (o owner) IsHost() bool                                      { return false }
func (o owner) PreviousMapState() *policy.MapState                { return nil }
func (o owner) RegenerateIfAlive(*regeneration.ExternalRegenerationMetadata) <-chan bool {
	ch := make(chan bool)
	close(ch)
	return ch
}

type noStats struct{ waiting, calculation spanstat.SpanStat }

func (s *noStats) WaitingForPolicyRepository() *spanstat.SpanStat { return &s.waiting }
func (s *noStats) SelectorPolicyCalculation() *spanstat.SpanStat  { return &s.calculation }

// entryFor distills the subject's policy, as the agent does before writing its BPF policy map,
// and looks up the key of the flow's peer, port and protocol, in the direction given.
func entryFor(logger *slog.Logger, repo *policy.Repository, subject *identity.Identity, key policy.Key) (policy.MapStateEntry, policy.SelectorPolicy, error) {
	selPol, _, err := repo.GetSelectorPolicy(subject, 0, &noStats{}, uint64(subject.ID))
	if err != nil {
		return policy.MapStateEntry{}, nil, err
	}
	// The agent realizes a proxy redirect for every L7 filter before it distills the policy map (an
	// unrealized redirect leaves no entry, so the flow would read as denied). Any free port will do.
	redirects := map[string]uint16{}
	for filter, tuple := range selPol.RedirectFilters() {
		id := policy.ProxyID(uint16(subject.ID), filter.Ingress, string(filter.Protocol), filter.Port, tuple.Policy.GetListener())
		if _, ok := redirects[id]; !ok {
			redirects[id] = uint16(10000 + len(redirects))
		}
	}
	epp := selPol.DistillPolicy(logger, owner{uint64(subject.ID)}, redirects)
	epp.Ready()
	defer epp.Detach(logger)
	entry, _, _ := epp.Lookup(key)
	if os.Getenv("CILIUM_POLICY_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "subject %d key %s -> %s\n", subject.ID, key.String(), entry.String())
		for k, e := range epp.Entries() {
			fmt.Fprintf(os.Stderr, "  %s: %s\n", k.String(), e.String())
		}
	}
	return entry, selPol, nil
}

// judge is policy.LookupFlow's method (the source's egress map, then the destination's ingress map),
// keeping the ingress entry to tell a proxy redirect from a plain allow. Pods only have policy maps:
// entities and addresses outside the cluster enforce nothing here.
func judge(logger *slog.Logger, repo *policy.Repository, idMgr identitymanager.IDManager, from, to *identity.Identity, port uint16, proto u8proto.U8proto, req *httpRequest) (verdict, error) {
	idMgr.Add(from)
	idMgr.Add(to)
	defer idMgr.Remove(from)
	defer idMgr.Remove(to)
	v := verdict{Egress: "allowed", Ingress: "allowed"}
	if isPod(from.ID) {
		e, _, err := entryFor(logger, repo, from, policy.EgressKey().WithIdentity(to.ID).WithPortProto(proto, port))
		if err != nil {
			return v, err
		}
		v.Egress = decision(e)
	}
	if isPod(to.ID) {
		e, selPol, err := entryFor(logger, repo, to, policy.IngressKey().WithIdentity(from.ID).WithPortProto(proto, port))
		if err != nil {
			return v, err
		}
		v.Ingress = decision(e)
		v.Proxied = !e.IsDeny() && e.IsRedirectEntry()
		if v.Proxied {
			if req == nil {
				return v, fmt.Errorf("the destination's policy sends it to the L7 proxy: give the HTTP request to judge")
			}
			namespace, _ := to.LabelArray.LookupLabel(&podNamespaceLabel)
			if v.HTTP, err = httpVerdict(repo, selPol, namespace, from.ID, port, proto, *req); err != nil {
				return v, err
			}
		}
	}
	v.Allowed = v.Egress == "allowed" && v.Ingress == "allowed" && (!v.Proxied || v.HTTP == "allowed")
	return v, nil
}

var podNamespaceLabel = labels.NewLabel(k8sConst.PodNamespaceLabel, "", labels.LabelSourceK8s)

func isPod(id identity.NumericIdentity) bool {
	return !id.IsReservedIdentity() && !id.HasLocalScope()
}

// ciliumVersion is the version of Cilium's module this binary was built from, as the build recorded it.
func ciliumVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, dep := range info.Deps {
		if dep.Path == "github.com/cilium/cilium" {
			return dep.Version
		}
	}
	return "unknown"
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Printf("cilium-policy (github.com/cilium/cilium %s)\n", ciliumVersion())
		return
	}
	if len(os.Args) != 1 {
		fail("reads the input JSON on stdin and takes no arguments but --version")
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("cannot read stdin: %v", err)
	}
	var in input
	if err := json.Unmarshal(data, &in); err != nil {
		fail("stdin is not the expected JSON: %v", err)
	}
	if in.ClusterName == "" {
		in.ClusterName = "default"
	}
	// The agent's defaults: IPv4 only (Kind's default family), enforcement only where a policy selects.
	option.Config.EnableIPv4 = true
	option.Config.EnableIPv6 = false
	policy.SetPolicyEnabled(option.DefaultEnforcement)
	if err := labelsfilter.ParseLabelPrefixCfg(logger, nil, nil, ""); err != nil {
		fail("label filter: %v", err)
	}

	namespaces := map[string]namespace{}
	for _, ns := range in.Namespaces {
		namespaces[ns.Name] = ns
	}

	// Identities: reserved ones keep their numbers; pods and addresses get local ones, in input order.
	idMgr := identitymanager.NewIDManager(logger)
	byName := map[string]*identity.Identity{}
	idMap := identity.IdentityMap{}
	for id, reserved := range identity.ListReservedIdentities() {
		idMap[id] = reserved
	}
	next := identity.NumericIdentity(1000)
	out := output{Identities: map[string]string{}}
	for _, ep := range in.Endpoints {
		lbls, err := identityLabels(ep, namespaces, in.ClusterName)
		if err != nil {
			fail("%v", err)
		}
		var id identity.NumericIdentity
		switch {
		case ep.Entity != "":
			id = identity.GetReservedID(ep.Entity)
		case ep.Address != "":
			id = identity.IdentityScopeLocal | next
			next++
		default:
			id = next
			next++
		}
		byName[ep.Name] = identity.NewIdentity(id, lbls)
		idMap[id] = lbls.LabelArray()
		keys := lbls.GetModel()
		sort.Strings(keys)
		out.Identities[ep.Name] = fmt.Sprintf("%d %s", id, strings.Join(keys, ","))
	}

	// The translator of L7 rules to Envoy's, as the agent wires it; no rule of ours reads a Secret.
	l7 := envoypolicy.NewEnvoyL7RulesTranslator(logger, certificatemanager.NewMockSecretManagerInline())
	repo := policy.NewPolicyRepository(logger, idMap, nil, l7, idMgr, testpolicy.NewPolicyMetricsNoop())
	wg := &sync.WaitGroup{}
	repo.GetSubjectSelectorCache().UpdateIdentities(idMap, nil, wg)
	wg.Wait()

	for _, raw := range in.Policies {
		entries, resource, name, err := parsePolicy(logger, in.ClusterName, raw)
		if err != nil {
			fail("%s: %v", name, err)
		}
		repo.ReplaceByResource(entries, resource)
		out.Rules += len(entries)
	}

	// As the agent's policy importer does once a batch is in: the new selectors' selections become visible.
	repo.GetSubjectSelectorCache().Commit()
	repo.GetSelectorCache().Commit()
	for _, f := range in.Flows {
		from, to := byName[f.From], byName[f.To]
		if from == nil || to == nil {
			fail("flow %s -> %s: an endpoint is not in the input", f.From, f.To)
		}
		proto, err := u8proto.ParseProtocol(f.Protocol)
		if err != nil {
			fail("flow %s -> %s: %v", f.From, f.To, err)
		}
		v, err := judge(logger, repo, idMgr, from, to, f.Port, proto, f.HTTP)
		if err != nil {
			fail("flow %s -> %s:%d: %v", f.From, f.To, f.Port, err)
		}
		out.Verdicts = append(out.Verdicts, v)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fail("%v", err)
	}
}
