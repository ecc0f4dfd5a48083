module kind-parity-platform/tools/etcd

go 1.24

require go.etcd.io/etcd/server/v3 v3.6.6

replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 v3.6.6
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 v3.6.6
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 v3.6.6
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 v3.6.6
)
