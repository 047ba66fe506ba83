package spec

import (
	"cmp"
	"maps"
	"net"
	"net/netip"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/internal/driver"
)

// attachments reads the networks a service joins, highest priority
// first, as docker compose orders them; nil when it joins only the
// default network, with nothing set on it. Networks the app does not
// declare are left to compose-go's own check.
func (p *parser) attachments(proj *types.Project, c types.ServiceConfig, at func(...string) []string) []driver.NetworkAttachment {
	if c.NetworkMode != "" {
		return nil // refused with network_mode
	}
	var out []driver.NetworkAttachment
	for _, name := range c.NetworksByPriority() {
		if _, ok := proj.Networks[name]; !ok {
			continue
		}
		a := driver.NetworkAttachment{Name: name}
		if n := c.Networks[name]; n != nil {
			path := at("networks", name)
			a.Aliases = sortedSet(n.Aliases)
			a.IPv4Address = p.address(join(path, "ipv4_address"), n.Ipv4Address, netip.Addr.Is4)
			a.IPv6Address = p.address(join(path, "ipv6_address"), n.Ipv6Address, netip.Addr.Is6)
			a.Priority = n.Priority
			a.MacAddress = p.mac(join(path, "mac_address"), n.MacAddress)
			a.LinkLocalIPs = slices.Clone(n.LinkLocalIPs)
			a.InterfaceName = n.InterfaceName
			a.GatewayPriority = n.GatewayPriority
			a.DriverOpts = mapOf(n.DriverOpts)
			a.NoServiceAlias = !n.ServiceNameAliasEnabled()
		}
		out = append(out, a)
	}
	if mac := c.MacAddress; mac != "" && len(out) > 0 {
		// As docker compose does, the service's MAC address is its
		// primary network's.
		switch out[0].MacAddress {
		case "":
			out[0].MacAddress = p.mac(at("mac_address"), mac)
		case mac:
		default:
			p.add(at("mac_address"), "%s differs from %s on network %s; set one of them", mac, out[0].MacAddress, out[0].Name)
		}
	}
	if len(out) == 1 && isZeroAttachment(out[0]) && out[0].Name == driver.DefaultNetwork {
		return nil
	}
	return out
}

func isZeroAttachment(a driver.NetworkAttachment) bool {
	return a.Name != "" && a.Aliases == nil && a.IPv4Address == "" && a.IPv6Address == "" && a.Priority == 0 &&
		a.MacAddress == "" && a.LinkLocalIPs == nil && a.InterfaceName == "" && a.GatewayPriority == 0 &&
		a.DriverOpts == nil && !a.NoServiceAlias
}

// address reads a static address of the family is checks.
func (p *parser) address(path []string, s string, is func(netip.Addr) bool) string {
	if s == "" {
		return ""
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !is(a) {
		p.add(path, "%q is not an address of this family", s)
		return ""
	}
	return a.String()
}

// mac reads a MAC address.
func (p *parser) mac(path []string, s string) string {
	if s == "" {
		return ""
	}
	hw, err := net.ParseMAC(s)
	if err != nil {
		p.add(path, "%q is not a MAC address", s)
		return ""
	}
	return hw.String()
}

// appResources reads the top-level networks, with the default network
// always among them, and volumes; sorted by name.
func (p *parser) appResources(proj *types.Project) driver.AppResources {
	var res driver.AppResources
	if _, ok := proj.Networks[driver.DefaultNetwork]; !ok {
		res.Networks = append(res.Networks, driver.Network{Name: driver.DefaultNetwork})
	}
	for _, name := range slices.Sorted(maps.Keys(proj.Networks)) {
		res.Networks = append(res.Networks, p.network(name, proj.Networks[name]))
	}
	slices.SortFunc(res.Networks, func(a, b driver.Network) int { return cmp.Compare(a.Name, b.Name) })
	for _, name := range slices.Sorted(maps.Keys(proj.Volumes)) {
		v := proj.Volumes[name]
		vol := driver.Volume{Name: name}
		if v.External {
			vol.External = v.Name
		} else {
			vol.Driver, vol.Options, vol.Labels = v.Driver, mapOf(v.DriverOpts), mapOf(v.Labels)
			if p.has([]string{"volumes", name, "name"}) {
				vol.FixedName = v.Name
			}
		}
		res.Volumes = append(res.Volumes, vol)
	}
	return res
}

// network reads one top-level network.
func (p *parser) network(name string, n types.NetworkConfig) driver.Network {
	out := driver.Network{Name: name}
	if n.External {
		out.External = n.Name
		return out
	}
	if p.has([]string{"networks", name, "name"}) {
		out.FixedName = n.Name
	}
	out.Driver, out.Options, out.Labels = n.Driver, mapOf(n.DriverOpts), mapOf(n.Labels)
	out.Internal, out.Attachable = n.Internal, n.Attachable
	out.IPv6 = n.EnableIPv6 != nil && *n.EnableIPv6
	out.NoIPv4 = n.EnableIPv4 != nil && !*n.EnableIPv4
	out.IPAMDriver, out.IPAMOptions = n.Ipam.Driver, mapOf(n.Ipam.Options)
	at := []string{"networks", name, "ipam", "config"}
	for i, pool := range n.Ipam.Config {
		if pool == nil {
			continue
		}
		pp := join(at, itoa(i))
		if pool.Subnet != "" {
			if _, err := netip.ParsePrefix(pool.Subnet); err != nil {
				p.add(join(pp, "subnet"), "%q is not a subnet (write it like 10.20.0.0/24)", pool.Subnet)
			}
			out.Subnets = append(out.Subnets, pool.Subnet)
		}
		if pool.Gateway != "" {
			if _, err := netip.ParseAddr(pool.Gateway); err != nil {
				p.add(join(pp, "gateway"), "%q is not an IP address", pool.Gateway)
			}
		}
		out.Pools = append(out.Pools, driver.IPAMPool{Subnet: pool.Subnet, IPRange: pool.IPRange, Gateway: pool.Gateway,
			AuxAddresses: mapOf(pool.AuxiliaryAddresses)})
	}
	return out
}
