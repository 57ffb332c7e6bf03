# TsciTest: helpers the registry's Apache::Test files share: requests,
# tarballs and publish bodies made like npm makes them, users, and a
# snapshot of the store for "nothing changed" assertions.
package TsciTest;

use strict;
use warnings;

use Exporter 'import';
use Archive::Tar ();
use IO::Compress::Gzip qw(gzip $GzipError);
use Digest::SHA qw(sha1_hex sha512_base64);
use MIME::Base64 qw(encode_base64);
use JSON::PP ();
use File::Find ();
use File::Path ();
use LWP::UserAgent ();
use HTTP::Request ();
use Apache::Test ();
use Apache::TestRequest ();

our @EXPORT_OK = qw(base_url req json_of make_tarball publish_body
                    adduser publish store_state data_dir t_var npm_env
                    run_npm npm_adduser sri512 unique);

my $json = JSON::PP->new->canonical->allow_nonref;

# A name no other test file uses: suites run twice (event, prefork) against
# stores that outlive one file.
my $seq = 0;
sub unique {
    my $base = shift;
    return sprintf "%s-%d-%d-%d", $base, $$, time, $seq++;
}

# http://host:port/<prefix>, for the main server or a named vhost.
sub base_url {
    my ($prefix, $vhost) = @_;
    my $cfg = Apache::Test::config();
    local $Apache::TestRequest::Module = $vhost if $vhost;
    my $hp = Apache::TestRequest::hostport($cfg);
    $prefix = '/' unless defined $prefix;
    return "http://$hp$prefix";
}

my $ua = LWP::UserAgent->new(keep_alive => 4, timeout => 120);

# req(METHOD, URL, body => ..., headers => {...}) -> HTTP::Response
sub req {
    my ($method, $url, %o) = @_;
    my $r = HTTP::Request->new($method => $url);
    my %h = %{ $o{headers} || {} };
    $r->header($_ => $h{$_}) for keys %h;
    if (defined $o{body}) {
        my $b = ref $o{body} ? $json->encode($o{body}) : $o{body};
        $r->content($b);
        $r->header('Content-Type' => 'application/json')
            unless exists $h{'Content-Type'};
        $r->header('Content-Length' => length $b);
    }
    $r->header(Authorization => "Bearer $o{token}") if $o{token};
    return $ua->request($r);
}

sub json_of {
    my $res = shift;
    my $d = eval { $json->decode($res->content) };
    return $d;
}

# A gzip'd tar as npm packs it: package/package.json plus files.
sub make_tarball {
    my (%o) = @_;
    my $pj = $o{package_json} // $json->encode({
        name => $o{name}, version => $o{version},
        main => 'index.js', %{ $o{extra} || {} },
    });
    my $tar = Archive::Tar->new;
    $tar->add_data('package/package.json', $pj);
    $tar->add_data('package/index.js',
                   $o{index} // "module.exports = '$o{name}\@$o{version}';\n");
    my %files = %{ $o{files} || {} };
    $tar->add_data("package/$_", $files{$_}) for sort keys %files;
    my $plain = $tar->write;
    my $gz;
    gzip(\$plain => \$gz) or die $GzipError;
    return $gz;
}

sub sri512 {
    my $b = sha512_base64(shift);
    $b .= '=' while length($b) % 4;
    return "sha512-$b";
}

# The body npm publish sends (npm-protocol.md 5.2).
sub publish_body {
    my (%o) = @_;
    my ($name, $version) = @o{qw(name version)};
    my $tgz = $o{tarball} // make_tarball(%o);
    (my $file = $name) =~ s{^\@[^/]+/}{};
    my $key = "$name-$version.tgz";
    my $manifest = {
        name => $name, version => $version, main => 'index.js',
        description => "test package $name",
        readme => "# $name\n", readmeFilename => 'README.md',
        _id => "$name\@$version", _nodeVersion => '20.20.2',
        _npmVersion => '11.19.1',
        dist => { shasum => sha1_hex($tgz), integrity => sri512($tgz),
                  tarball => "http://ignored/$name/-/$key" },
        %{ $o{extra} || {} },
    };
    return {
        _id => $name, name => $name, description => "test package $name",
        'dist-tags' => { ($o{tag} // 'latest') => $version },
        versions => { $version => $manifest },
        access => undef,
        _attachments => { $key => {
            content_type => 'application/octet-stream',
            data => encode_base64($tgz, ''), length => length $tgz } },
    };
}

# Create (or log in) a user through the CouchDB endpoint; returns a token.
sub adduser {
    my ($base, $user, $pass) = @_;
    my $res = req(PUT => "${base}-/user/org.couchdb.user:$user",
                  body => { _id => "org.couchdb.user:$user", name => $user,
                            password => $pass, email => "$user\@example.com",
                            type => 'user', roles => [],
                            date => '2026-11-23T00:00:00.000Z' });
    my $d = json_of($res);
    die "adduser $user: " . $res->status_line . ' ' . $res->content
        unless $res->code == 201 && $d && $d->{token};
    return $d->{token};
}

sub publish {
    my ($base, $token, %o) = @_;
    (my $esc = $o{name}) =~ s{/}{%2f};
    return req(PUT => "$base$esc", token => $token,
               body => publish_body(%o));
}

sub t_var {
    return Apache::Test::vars('t_dir') . '/var';
}

sub data_dir {
    my $which = shift // 'registry';
    return t_var() . "/$which";
}

# Everything a refused request must leave as it was: the registry's figures,
# every file under the data directory but the database's own, and the
# packument of the package concerned.
sub store_state {
    my ($base, $pkg) = @_;
    my $meta = json_of(req(GET => $base));
    my @files;
    my $dir = data_dir();
    File::Find::find({ no_chdir => 1, wanted => sub {
        return unless -f $_;
        return if m{/db/};
        push @files, substr($_, length $dir) . ':' . (-s $_);
    } }, "$dir/tarballs", "$dir/tmp");
    my $doc = '';
    if ($pkg) {
        (my $esc = $pkg) =~ s{/}{%2f};
        $doc = req(GET => "$base$esc")->content;
    }
    return join "\n", "seq=$meta->{update_seq}", "docs=$meta->{doc_count}",
        "data=$meta->{data_size}", sort(@files), $doc;
}

# An npm environment of its own: user config and cache in t/var/npm-<tag>.
sub npm_env {
    my $tag = shift;
    my $home = t_var() . "/npm-$tag";
    File::Path::rmtree($home);
    File::Path::mkpath("$home/cache");
    open my $fh, '>', "$home/npmrc" or die $!;
    print $fh "update-notifier=false\nfund=false\naudit=false\n";
    close $fh;
    return { home => $home, userconfig => "$home/npmrc",
             cache => "$home/cache" };
}

# Run npm with that environment; returns (exit status, output).
sub run_npm {
    my ($env, $dir, @args) = @_;
    my $cmd = join ' ', map { quotemeta } 'npm', @args,
        "--userconfig=$env->{userconfig}", "--cache=$env->{cache}";
    my $out = `cd \Q$dir\E && HOME=\Q$env->{home}\E $cmd 2>&1`;
    return ($? >> 8, $out);
}

# npm adduser --auth-type=legacy, answering its prompts on a terminal as a
# person would (npm reads them from a TTY).  Returns (ok, transcript).
sub npm_adduser {
    my ($env, $registry, $user, $pass, $email) = @_;
    require Expect;
    local $ENV{HOME} = $env->{home};
    my $e = Expect->new;
    $e->raw_pty(1);
    $e->log_stdout(0);
    $e->spawn('npm', 'adduser', '--auth-type=legacy',
              "--registry=$registry", "--userconfig=$env->{userconfig}",
              "--cache=$env->{cache}") or return (0, "spawn: $!");
    my $ok = 1;
    for my $step (['Username:', $user], ['Password:', $pass],
                  ['Email', $email]) {
        if (!$e->expect(60, $step->[0])) {
            $ok = 0;
            last;
        }
        $e->send("$step->[1]\r");
    }
    $ok &&= defined $e->expect(60, 'Logged in');
    my $text = ($e->before // '') . ($e->match // '') . ($e->after // '');
    $e->soft_close;
    return ($ok && ($e->exitstatus // 1) == 0, $text);
}

1;
