# TsciLDAP: a private OpenLDAP server for the tests that sign in through
# Apache's mod_authnz_ldap.  It runs Debian's slapd as the test's own user,
# on loopback and a port of the test's, with its config and database under
# t/var, so that it needs nothing from the machine's own slapd (which
# .ci/deps leaves unconfigured) and nothing on port 389.
package TsciLDAP;

use strict;
use warnings;

use File::Path ();
use POSIX ();
use Time::HiRes ();

# Where Debian puts slapd and its modules; PATH first.
my @SBIN = (split(/:/, $ENV{PATH} // ''), '/usr/sbin', '/usr/local/sbin');
my $MODULES = '/usr/lib/ldap';
my $SCHEMA = '/etc/ldap/schema';

my %started;    # pid => object, for END

sub find_program {
    my $name = shift;
    for my $d (@SBIN) {
        return "$d/$name" if -x "$d/$name";
    }
    return;
}

# Why slapd cannot run here, or undef when it can.
sub missing {
    for my $p (qw(slapd slapadd slappasswd ldapsearch)) {
        return "$p is not installed (.ci/deps installs slapd and ldap-utils)"
            unless find_program($p);
    }
    return "no mdb backend in $MODULES" unless -e "$MODULES/back_mdb.so";
    for my $s (qw(core cosine inetorgperson nis)) {
        return "no $SCHEMA/$s.schema" unless -r "$SCHEMA/$s.schema";
    }
    return;
}

# Output and exit status of a command run without a shell.
sub run {
    my @cmd = @_;
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return ($? >> 8, $out);
}

# A {SSHA} hash as slapd itself makes it: the directory never holds a
# password in the clear, as a real one would not.
sub hash_password {
    my $pw = shift;
    my ($rc, $out) = run(find_program('slappasswd'), '-h', '{SSHA}',
                         '-s', $pw);
    die "slappasswd: $out" if $rc || $out !~ /^(\{SSHA\}\S+)/;
    return $1;
}

# start(%o): writes a slapd.conf (mdb, the schemas npm users' entries need,
# access rules), loads the directory offline with slapadd, starts slapd in
# the foreground as a child of this process and waits (at most
# $o{timeout} seconds, 15 by default) until a search through the network
# finds the base entry.  %o:
#   port     the TCP port on 127.0.0.1
#   dir      its home (t/var/ldap by default): config, database, log
#   base     the suffix (dc=tsci,dc=test)
#   service  [name, password] of the account Apache binds with; it alone
#            may read the directory: anonymous clients may only bind
#   people   [{ uid => ..., password => ..., mail => ... }, ...] under ou=people
#   groups   { name => [uid, ...] }: groupOfNames under ou=groups
# Returns an object: url, base, dir, pid, user_dn(uid), group_dn(name),
# service_dn, stop (also done when the object goes away and at exit).
# Dies with the reason when slapd does not come up.
sub start {
    my ($class, %o) = @_;
    my $base = $o{base} // 'dc=tsci,dc=test';
    my $dir = $o{dir} or die "TsciLDAP: no dir";
    my $self = bless {
        port => $o{port}, base => $base, dir => $dir,
        url => "ldap://127.0.0.1:$o{port}/",
        service => $o{service} // ['httpd', 'httpd-bind-pw'],
        owner => $$,
    }, $class;
    $self->kill_leftover;
    File::Path::rmtree($dir);
    File::Path::mkpath("$dir/db");
    $self->write_conf;
    $self->load(%o);

    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$dir/slapd.log";
        open STDERR, '>&', \*STDOUT;
        # -d keeps slapd in the foreground, our child, so that stopping it
        # is a kill and a waitpid; level 0 logs only what goes wrong.
        exec find_program('slapd'), '-f', "$dir/slapd.conf",
             '-h', $self->{url}, '-d', '0'
            or POSIX::_exit(127);
    }
    $self->{pid} = $pid;
    $started{$pid} = $self;

    my $deadline = Time::HiRes::time() + ($o{timeout} // 15);
    while (1) {
        my ($rc, $out) = $self->search('(objectClass=dcObject)', 'dc');
        last if $rc == 0 && $out =~ /^dn: \Q$base\E$/m;
        my $gone = waitpid($pid, POSIX::WNOHANG()) == $pid;
        if ($gone || Time::HiRes::time() > $deadline) {
            my $why = $gone ? "slapd exited with status $?"
                            : "slapd did not answer in time";
            delete $started{$pid} if $gone;
            $self->stop;
            die "TsciLDAP: $why on $self->{url}: $out\n"
                . $self->log_text;
        }
        Time::HiRes::sleep(0.1);
    }
    return $self;
}

sub url { $_[0]{url} }
sub base { $_[0]{base} }
sub pid { $_[0]{pid} }
sub user_dn { "uid=$_[1],ou=people,$_[0]{base}" }
sub group_dn { "cn=$_[1],ou=groups,$_[0]{base}" }
sub service_dn { "cn=$_[0]{service}[0],ou=services,$_[0]{base}" }

sub log_text {
    my $self = shift;
    open my $fh, '<', "$self->{dir}/slapd.log" or return '';
    local $/;
    return <$fh> // '';
}

sub write_conf {
    my $self = shift;
    my ($dir, $base) = @{$self}{qw(dir base)};
    my $svc = $self->service_dn;
    my $conf = "$dir/slapd.conf";
    open my $fh, '>', $conf or die "$conf: $!";
    print $fh join '', map { "include $SCHEMA/$_.schema\n" }
        qw(core cosine inetorgperson nis);
    print $fh <<"EOC";
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath $MODULES
moduleload back_mdb

database mdb
suffix "$base"
directory $dir/db
# A small map: the default (10 GB) is address space no test needs.
maxsize 16777216

# As a site would have it: passwords are only ever compared by a bind,
# and only the service account Apache binds with reads entries.
access to attrs=userPassword
    by anonymous auth
    by * none
access to *
    by dn.exact="$svc" read
    by * none
EOC
    close $fh;
}

sub load {
    my ($self, %o) = @_;
    my $base = $self->{base};
    (my $dc) = $base =~ /^dc=([^,]+)/;
    my @e = ("dn: $base\nobjectClass: dcObject\nobjectClass: organization\n"
             . "dc: $dc\no: $dc\n");
    push @e, "dn: ou=$_,$base\nobjectClass: organizationalUnit\nou: $_\n"
        for qw(people groups services);
    push @e, sprintf "dn: %s\nobjectClass: organizationalRole\n"
        . "objectClass: simpleSecurityObject\ncn: %s\nuserPassword: %s\n",
        $self->service_dn, $self->{service}[0],
        hash_password($self->{service}[1]);
    for my $p (@{ $o{people} || [] }) {
        push @e, sprintf "dn: %s\nobjectClass: inetOrgPerson\nuid: %s\n"
            . "cn: %s\nsn: %s\nmail: %s\nuserPassword: %s\n",
            $self->user_dn($p->{uid}), $p->{uid}, $p->{uid}, $p->{uid},
            $p->{mail} // "$p->{uid}\@tsci.test",
            hash_password($p->{password});
    }
    my %groups = %{ $o{groups} || {} };
    for my $g (sort keys %groups) {
        push @e, "dn: " . $self->group_dn($g)
            . "\nobjectClass: groupOfNames\ncn: $g\n"
            . join('', map { 'member: ' . $self->user_dn($_) . "\n" }
                           @{ $groups{$g} });
    }
    my $ldif = "$self->{dir}/directory.ldif";
    open my $fh, '>', $ldif or die "$ldif: $!";
    print $fh join "\n", @e;
    close $fh;
    my ($rc, $out) = run(find_program('slapadd'), '-f',
                         "$self->{dir}/slapd.conf", '-l', $ldif);
    die "TsciLDAP: slapadd failed ($rc): $out" if $rc;
}

# ldapsearch through the network as the service account: (status, LDIF).
sub search {
    my ($self, $filter, @attrs) = @_;
    return run(find_program('ldapsearch'), '-x', '-LLL',
               '-o', 'nettimeout=2', '-l', '5',
               '-H', $self->{url}, '-D', $self->service_dn,
               '-w', $self->{service}[1], '-b', $self->{base},
               $filter, @attrs);
}

# A slapd a previous run of a killed test left on our config still holds
# the port: stop it, by the pid file it wrote, if that pid is slapd on
# this very config.
sub kill_leftover {
    my $self = shift;
    my $pf = "$self->{dir}/slapd.pid";
    open my $fh, '<', $pf or return;
    my ($pid) = (<$fh> // '') =~ /(\d+)/;
    close $fh;
    return unless $pid;
    open my $c, '<', "/proc/$pid/cmdline" or return;
    my $cmd = do { local $/; <$c> } // '';
    return unless index($cmd, "$self->{dir}/slapd.conf") >= 0;
    kill 'TERM', $pid;
    for (1 .. 50) {
        last unless kill 0, $pid;
        Time::HiRes::sleep(0.1);
    }
    kill 'KILL', $pid;
}

# SIGTERM, a few seconds for mdb to close, then SIGKILL; always reaped.
sub stop {
    my $self = shift;
    my $pid = delete $self->{pid} or return;
    return unless $$ == $self->{owner};
    delete $started{$pid};
    kill 'TERM', $pid;
    my $deadline = Time::HiRes::time() + 5;
    while (waitpid($pid, POSIX::WNOHANG()) == 0) {
        if (Time::HiRes::time() > $deadline) {
            kill 'KILL', $pid;
            waitpid $pid, 0;
            last;
        }
        Time::HiRes::sleep(0.05);
    }
}

sub DESTROY {
    my $self = shift;
    local ($?, $@, $!);
    $self->stop;
}

# A test that dies, or is interrupted, still stops its slapd.
END {
    local $?;
    $_->stop for values %started;
}
my %signo = (HUP => 1, INT => 2, TERM => 15);
for my $sig (keys %signo) {
    $SIG{$sig} ||= sub { exit 128 + $signo{$sig} };
}

1;
